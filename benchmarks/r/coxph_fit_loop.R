# Time R's survival::coxph.fit over prebuilt matrices (called by bench_cox.py).
#
# Usage: Rscript coxph_fit_loop.R <cohorts.csv> <coef_out.csv> <repeats> <sizes>
#
# <cohorts.csv> has columns rep, time, status, x0, x1, ... (one row per
# subject, replicates contiguous, numbers written with 17 significant digits).
# <sizes> is a comma-separated list of replicate counts: for each size s the
# loop runs over the first s replicates.
#
# The design matrices and Surv objects are built BEFORE any clock starts; the
# timed part is only the loop of coxph.fit calls (Efron ties, default
# coxph.control(), start at zero, no strata, offsets or weights). Each timed
# block repeats the loop until it covers at least PPPROG_MIN_ROWS subject rows
# (environment variable, default 200000; the clock ticks in milliseconds), the
# same rule bench_cox.py applies to ppprog; the best of <repeats> blocks is kept. For each size it prints
#   timing fits=<s> wall_us=<best wall per fit> cpu_us=<best CPU per fit>
# and it writes one row per replicate (rep, iter, coefficients with 17
# significant digits) to <coef_out.csv>, from a first untimed pass.
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 4) {
  stop("usage: coxph_fit_loop.R <cohorts.csv> <coef_out.csv> <repeats> <sizes>")
}
repeats <- as.integer(args[3])
sizes <- as.integer(strsplit(args[4], ",")[[1]])
suppressPackageStartupMessages(library(survival))

d <- read.csv(args[1], colClasses = "numeric")
xcols <- grep("^x", names(d), value = TRUE)
xm <- as.matrix(d[xcols])
rows <- split(seq_len(nrow(d)), d$rep)
xs <- lapply(rows, function(i) xm[i, , drop = FALSE])
ys <- lapply(rows, function(i) Surv(d$time[i], d$status[i]))
init <- rep(0, length(xcols))
ctrl <- coxph.control()
fit_one <- survival::coxph.fit
min_rows <- as.numeric(Sys.getenv("PPPROG_MIN_ROWS", "200000"))
n_per_rep <- nrow(d) / length(xs)
if (max(sizes) > length(xs)) stop("a size exceeds the number of replicates in the file")

fit_k <- function(k) {
  fit_one(xs[[k]], ys[[k]], strata = NULL, offset = NULL, init = init,
          control = ctrl, weights = NULL, method = "efron", rownames = NULL)
}
fit_loop <- function(s) for (k in seq_len(s)) fit_k(k)

# untimed first pass: warms up and gives the coefficients
fits <- suppressWarnings(lapply(seq_along(xs), fit_k))

for (s in sizes) {
  number <- max(1L, as.integer(ceiling(min_rows / (s * n_per_rep))))
  best_wall <- Inf
  best_cpu <- Inf
  for (r in seq_len(repeats)) {
    t0 <- proc.time()
    suppressWarnings(for (j in seq_len(number)) fit_loop(s))
    dt <- proc.time() - t0
    best_wall <- min(best_wall, dt[["elapsed"]])
    best_cpu <- min(best_cpu, dt[["user.self"]] + dt[["sys.self"]])
  }
  cat(sprintf("timing fits=%d wall_us=%.6g cpu_us=%.6g\n", s,
              1e6 * best_wall / (s * number), 1e6 * best_cpu / (s * number)))
}

out <- data.frame(rep = as.integer(names(rows)),
                  iter = vapply(fits, function(f) as.integer(f$iter), 0L))
for (j in seq_along(xcols)) {
  out[[xcols[j]]] <- formatC(vapply(fits, function(f) f$coefficients[[j]], 0),
                             digits = 17, format = "g")
}
write.csv(out, args[2], row.names = FALSE, quote = FALSE)
