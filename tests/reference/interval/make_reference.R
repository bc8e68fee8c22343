## Reference values for ppprog's interval-censored estimators (turnbull, aft_interval).
## Run from this folder:  Rscript make_reference.R
## Writes the inputs (CSV) and the outputs (CSV, 17 significant digits).
## R 4.2, survival 3.5, npsurv 0.5.
suppressPackageStartupMessages({library(survival); library(npsurv)})
g17 <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
write17 <- function(df, file) {
  for (k in names(df)) if (is.numeric(df[[k]])) df[[k]] <- g17(df[[k]])
  write.csv(df, file, row.names = FALSE, quote = FALSE)
}

## ---- inputs --------------------------------------------------------------
## 1. npsurv's `cancer` (the breast-cosmesis data, Finkelstein 1985): (L, R], R = Inf right-censored
data(cancer, package = "npsurv")
bcos <- data.frame(left = cancer$L, right = cancer$R, group = as.character(cancer$group))
write17(bcos, "bcos.csv")

## 2. a built mixed set: exact, right-, left- and interval-censored rows with ties
set.seed(20261204)
n <- 80
x1 <- rbinom(n, 1, 0.5); x2 <- round(rnorm(n), 2)
t <- exp(3 + 0.6 * x1 - 0.3 * x2 + 0.5 * log(rexp(n)))       # Weibull AFT, scale 0.5
c <- runif(n, 10, 80)
visit <- 7
kind <- sample(c("exact", "interval", "interval", "interval", "left"), n, replace = TRUE)
left <- right <- numeric(n)
for (i in 1:n) {
  if (t[i] > c[i]) { left[i] <- floor(c[i]); right[i] <- NA; next }
  lo <- visit * floor(t[i] / visit); hi <- lo + visit
  if (kind[i] == "exact") { left[i] <- right[i] <- round(t[i]) ; if (left[i] == 0) left[i] <- right[i] <- 1 }
  else if (kind[i] == "interval") { left[i] <- lo; right[i] <- hi; if (lo == 0) left[i] <- NA }
  else { left[i] <- NA; right[i] <- hi }
}
mixed <- data.frame(left = left, right = right, x1 = x1, x2 = x2)
write17(mixed, "mixed.csv")

## 3. a small hand set (integer times, every kind once or more)
small <- data.frame(
  left  = c(1, 2, 2, NA, 4, 5, 3, 6, 8, 1, 7, 2),
  right = c(3, 2, 5, 4, NA, 5, 8, NA, 10, 6, 7, NA))
write17(small, "small.csv")

## ---- Turnbull NPMLE (npsurv: constrained Newton, run to tol 1e-14) --------
npmle <- function(df, name) {
  L <- ifelse(is.na(df$left), 0, df$left); R <- ifelse(is.na(df$right), Inf, df$right)
  r <- npsurv(cbind(L, R), maxit = 1000, tol = 1e-14)
  f <- r$f
  cum <- cumsum(f$p)
  data.frame(data = name, left = f$left, right = f$right, mass = f$p,
             surv_left = 1 - c(0, head(cum, -1)), surv_right = 1 - cum,
             loglik = r$ll, maxgrad = r$maxgrad, converged = r$convergence)
}
tb <- rbind(npmle(bcos[bcos$group == "RT", ], "bcos_RT"),
            npmle(bcos[bcos$group == "RCT", ], "bcos_RCT"),
            npmle(bcos, "bcos_all"),
            npmle(mixed, "mixed"),
            npmle(small, "small"))
write17(tb, "turnbull_npsurv.csv")

## survfit(Surv(left, right, type = "interval2") ~ 1): R's EM, stops at 5e-5 change in S
sfit <- function(df, name) {
  s <- survfit(Surv(left, right, type = "interval2") ~ 1, data = df)
  data.frame(data = name, time = s$time, surv = s$surv)
}
sf <- rbind(sfit(bcos[bcos$group == "RT", ], "bcos_RT"), sfit(mixed, "mixed"), sfit(small, "small"))
write17(sf, "turnbull_survfit.csv")

## ---- survreg interval2 ------------------------------------------------------
ctl <- survreg.control(rel.tolerance = 1e-13, maxiter = 200)
aft <- function(df, formula, dist, name) {
  f <- survreg(formula, data = df, dist = dist, control = ctl)
  v <- vcov(f)
  k <- length(coef(f))
  nm <- c(names(coef(f)), "Log(scale)")
  est <- c(coef(f), log(f$scale))
  out <- data.frame(data = name, dist = dist, term = nm, estimate = est,
                    loglik = f$loglik[2], loglik_null = f$loglik[1], iter = f$iter)
  for (j in seq_along(nm)) out[[paste0("vcov_", j)]] <- v[, j]
  out
}
## survreg needs positive times: a left end of 0 is left-censoring (interval2 NA)
bcos0 <- bcos; bcos0$left[bcos0$left == 0] <- NA
fits <- list(
  aft(bcos0, Surv(left, right, type = "interval2") ~ group, "weibull", "bcos"),
  aft(bcos0, Surv(left, right, type = "interval2") ~ group, "lognormal", "bcos"),
  aft(mixed, Surv(left, right, type = "interval2") ~ x1 + x2, "weibull", "mixed"),
  aft(mixed, Surv(left, right, type = "interval2") ~ x1 + x2, "lognormal", "mixed"),
  aft(small, Surv(left, right, type = "interval2") ~ 1, "weibull", "small"),
  aft(small, Surv(left, right, type = "interval2") ~ 1, "lognormal", "small"))
all <- do.call(rbind, lapply(fits, function(d) { for (j in 1:4) if (is.null(d[[paste0("vcov_", j)]])) d[[paste0("vcov_", j)]] <- NA; d }))
write17(all, "survreg_interval2.csv")
writeLines(c(R.version.string, paste("survival", packageVersion("survival")),
             paste("npsurv", packageVersion("npsurv"))), "versions.txt")
