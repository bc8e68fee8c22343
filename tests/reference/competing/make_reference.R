# Reference values for ppprog's competing-events estimators (tests/models/test_models_competing*.py).
# Run from this directory:  Rscript make_reference.R
# Writes the input data sets (data_*.csv) and R's values (ref_*.csv, 17 significant digits).
suppressPackageStartupMessages({library(survival); library(cmprsk)})
f17 <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write17 <- function(df, file) {
  for (nm in names(df)) if (is.numeric(df[[nm]]) && !is.integer(df[[nm]])) df[[nm]] <- f17(df[[nm]])
  write.csv(df, file, row.names = FALSE, quote = FALSE)
}

# ---------------------------------------------------------------- data sets
# mgus2 (survival): time to plasma-cell malignancy (1) or death before it (2), months
m <- survival::mgus2
mg <- data.frame(id = m$id, age = m$age, male = as.integer(m$sex == "M"),
                 etime = ifelse(m$pstat == 0, m$futime, m$ptime),
                 event = ifelse(m$pstat == 0, 2L * m$death, 1L))
write17(mg, "data_mgus2.csv")

# sim_ties: two causes, integer times (many ties), two groups, two covariates
set.seed(20261204)
n <- 60
x1 <- round(rnorm(n), 1); x2 <- rbinom(n, 1, 0.5)
grp <- sample(c("a", "b"), n, replace = TRUE)
t1 <- rexp(n, 0.10 * exp(0.5 * x1 + 0.7 * x2)); t2 <- rexp(n, 0.07); cc <- runif(n, 0, 25)
tt <- pmin(t1, t2, cc)
st <- ifelse(tt == cc, 0L, ifelse(tt == t1, 1L, 2L))
sim1 <- data.frame(id = 1:n, time = ceiling(tt), status = st, group = grp, x1 = x1, x2 = x2)
write17(sim1, "data_sim_ties.csv")

# sim_three: three causes, half-unit times, three groups, two strata, one covariate
set.seed(20261205)
n <- 50
z <- round(runif(n, -1, 1), 2)
grp <- sample(c("g1", "g2", "g3"), n, replace = TRUE); strat <- sample(c("s1", "s2"), n, replace = TRUE)
h <- cbind(0.08 * exp(0.8 * z), 0.05, 0.03)
lat <- sapply(1:3, function(k) rexp(n, h[, k])); cc <- runif(n, 2, 30)
tt <- pmin(lat[, 1], lat[, 2], lat[, 3], cc)
st <- ifelse(tt == cc, 0L, apply(lat, 1, which.min))
sim3 <- data.frame(id = 1:n, time = ceiling(2 * tt) / 2, status = st, group = grp, stratum = strat, z = z)
write17(sim3, "data_sim_three.csv")

# sim_trunc: two causes with delayed entry (left truncation), two groups
set.seed(20261206)
n <- 80
entry <- round(runif(n, 0, 6), 1)
grp <- sample(c("a", "b"), n, replace = TRUE)
t1 <- rexp(n, ifelse(grp == "a", 0.06, 0.10)); t2 <- rexp(n, 0.05); cc <- runif(n, 0, 30)
tt <- pmin(t1, t2, cc)
st <- ifelse(tt == cc, 0L, ifelse(tt == t1, 1L, 2L))
simt <- data.frame(id = 1:n, entry = entry, time = entry + ceiling(4 * tt) / 4 + 0.25, status = st, group = grp)
write17(simt, "data_sim_trunc.csv")

# ---------------------------------------------------------------- Aalen-Johansen (survfit, multi-state)
aj_rows <- function(fit, label, conf) {
  out <- list()
  strata <- if (is.null(fit$strata)) c(all = length(fit$time)) else fit$strata
  ends <- cumsum(strata); starts <- ends - strata + 1
  for (s in seq_along(strata)) {
    ix <- starts[s]:ends[s]
    g <- if (is.null(fit$strata)) "all" else sub("^.*=", "", names(strata)[s])
    for (k in seq_along(fit$states)) {
      out[[length(out) + 1]] <- data.frame(
        dataset = label, conf_type = conf, group = g, state = fit$states[k],
        time = fit$time[ix], n_risk = fit$n.risk[ix, 1], n_event = if (k == 1) NA else fit$n.event[ix, k],
        pstate = fit$pstate[ix, k], std_err = fit$std.err[ix, k],
        lower = fit$lower[ix, k], upper = fit$upper[ix, k])
    }
  }
  do.call(rbind, out)
}
aj <- rbind(
  aj_rows(survfit(Surv(etime, factor(event)) ~ 1, data = mg), "mgus2", "log"),
  aj_rows(survfit(Surv(etime, factor(event)) ~ male, data = mg), "mgus2_by_male", "log"),
  aj_rows(survfit(Surv(time, factor(status)) ~ 1, data = sim1), "sim_ties", "log"),
  aj_rows(survfit(Surv(time, factor(status)) ~ group, data = sim1), "sim_ties_by_group", "log"),
  aj_rows(survfit(Surv(time, factor(status)) ~ 1, data = sim1, conf.type = "plain"), "sim_ties", "plain"),
  aj_rows(survfit(Surv(time, factor(status)) ~ 1, data = sim1, conf.type = "log-log"), "sim_ties", "log-log"),
  aj_rows(survfit(Surv(time, factor(status)) ~ group, data = sim3), "sim_three_by_group", "log"),
  aj_rows(survfit(Surv(entry, time, factor(status)) ~ 1, data = simt, id = id), "sim_trunc", "log"),
  aj_rows(survfit(Surv(entry, time, factor(status)) ~ group, data = simt, id = id), "sim_trunc_by_group", "log"))
write17(aj, "ref_aalen_johansen.csv")

# ---------------------------------------------------------------- Gray's test (cmprsk::cuminc)
gray_rows <- function(ci, label) {
  tst <- ci$Tests
  data.frame(dataset = label, cause = rownames(tst), stat = tst[, "stat"], p = tst[, "pv"], df = tst[, "df"])
}
gray <- rbind(
  gray_rows(cuminc(mg$etime, mg$event, mg$male), "mgus2_by_male"),
  gray_rows(cuminc(sim1$time, sim1$status, sim1$group), "sim_ties_by_group"),
  gray_rows(cuminc(sim3$time, sim3$status, sim3$group), "sim_three_by_group"),
  gray_rows(cuminc(sim3$time, sim3$status, sim3$group, strata = sim3$stratum), "sim_three_by_group_strata"),
  gray_rows(cuminc(sim3$time, sim3$status, sim3$group, rho = 1), "sim_three_by_group_rho1"))
write17(gray, "ref_gray.csv")

# ---------------------------------------------------------------- Fine-Gray: cmprsk::crr and finegray + coxph
coef_rows <- function(label, method, cause, b, v, loglik, conv) {
  p <- length(b)
  data.frame(dataset = label, method = method, cause = cause, term = names(b), coef = unname(b),
             se = sqrt(diag(v)), v1 = v[, 1], v2 = if (p > 1) v[, 2] else NA,
             loglik = loglik, converged = conv)
}
fg_fits <- list(); pred <- list()
fit_both <- function(d, label, tcol, scol, covs, cause) {
  X <- as.matrix(d[, covs, drop = FALSE])
  cr <- crr(d[[tcol]], d[[scol]], X, failcode = cause, cencode = 0)
  out <- rbind(coef_rows(label, "crr", cause, cr$coef, cr$var, cr$loglik, cr$converged),
               coef_rows(label, "crr_naive", cause, cr$coef, cr$invinf, cr$loglik, cr$converged))
  d2 <- d; d2$.fs <- factor(d2[[scol]], levels = sort(unique(d2[[scol]])))
  d2$.t <- d2[[tcol]]; d2$.id <- seq_len(nrow(d2))
  fgd <- finegray(Surv(.t, .fs) ~ ., data = d2[, c(".t", ".fs", ".id", covs)], etype = as.character(cause))
  cx <- coxph(as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", paste(covs, collapse = "+"))),
              data = fgd, weights = fgwt, cluster = .id)
  # model-based variance (coxph's naive.var), and the robust variance clustered by subject
  out <- rbind(out, coef_rows(label, "finegray", cause, coef(cx), cx$naive.var, cx$loglik[2], TRUE))
  out <- rbind(out, coef_rows(label, "finegray_robust", cause, coef(cx), cx$var, cx$loglik[2], TRUE))
  # predicted cumulative incidence (predict.crr) at two covariate rows
  newx <- rbind(colMeans(X), X[1, ])
  pc <- predict(cr, newx)
  pred[[length(pred) + 1]] <<- data.frame(dataset = label, cause = cause, time = pc[, 1],
                                          cif_1 = pc[, 2], cif_2 = pc[, 3])
  out
}
fg <- rbind(
  fit_both(mg, "mgus2", "etime", "event", c("age", "male"), 1),
  fit_both(mg, "mgus2", "etime", "event", c("age", "male"), 2),
  fit_both(sim1, "sim_ties", "time", "status", c("x1", "x2"), 1),
  fit_both(sim1, "sim_ties", "time", "status", c("x1", "x2"), 2),
  fit_both(sim3, "sim_three", "time", "status", c("z"), 1),
  fit_both(sim3, "sim_three", "time", "status", c("z"), 3))
write17(fg, "ref_fine_gray.csv")
write17(do.call(rbind, pred), "ref_fine_gray_predict.csv")

# finegray's expanded data for one set, to check the weighting row by row
d2 <- sim1; d2$fs <- factor(d2$status)
fgd <- finegray(Surv(time, fs) ~ id, data = d2, etype = "1")
write17(fgd[, c("id", "fgstart", "fgstop", "fgstatus", "fgwt")], "ref_finegray_rows_sim_ties.csv")

writeLines(c(R.version.string, paste("survival", packageVersion("survival")),
             paste("cmprsk", packageVersion("cmprsk"))), "versions.txt")
