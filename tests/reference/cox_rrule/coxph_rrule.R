# R reference for ppprog's Cox Newton iteration (R's stopping rule).
#
# Usage: Rscript coxph_rrule.R <dir>
# Reads <dir>/cohorts.csv and <dir>/inputs.csv.gz (written by make_inputs.py)
# and writes <dir>/r_fits.csv: for each cohort, survival's own fitter with
# default coxph.control() (eps = 1e-9, iter.max = 20) started at zero:
# coxph.fit (coxfit6.c) for right-censored data, agreg.fit (agfit4.c) with
# entry times; Efron or Breslow ties; strata when present. Columns: cohort,
# iter, loglik0, loglik, sctest, coef1..coef4, var11..var44 (row-major, NA
# beyond p) and the fitter's warnings (";"-joined). Numbers have 17
# significant digits.
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "."
suppressPackageStartupMessages(library(survival))
meta <- read.csv(file.path(dir, "cohorts.csv"))
d <- read.csv(gzfile(file.path(dir, "inputs.csv.gz")))
pmax <- 4L
f17 <- function(v) ifelse(is.na(v), "NA", formatC(v, digits = 17, format = "g"))
out <- vector("list", nrow(meta))
for (k in seq_len(nrow(meta))) {
  m <- meta[k, ]
  rows <- d[d$cohort == m$cohort, ]
  p <- m$p
  x <- as.matrix(rows[, paste0("x", seq_len(p)), drop = FALSE])
  strata <- if (m$strata == 1) rows$stratum else NULL
  warns <- character(0)
  fit <- withCallingHandlers({
    if (m$entry == 1) {
      agreg.fit(x, Surv(rows$start, rows$stop, rows$status), strata, offset = NULL,
                init = rep(0, p), control = coxph.control(), weights = NULL,
                method = m$method, rownames = NULL)
    } else {
      coxph.fit(x, Surv(rows$stop, rows$status), strata, offset = NULL,
                init = rep(0, p), control = coxph.control(), weights = NULL,
                method = m$method, rownames = NULL)
    }
  }, warning = function(w) {
    warns <<- c(warns, gsub("[,\n]", " ", conditionMessage(w)))
    invokeRestart("muffleWarning")
  })
  coef <- rep(NA_real_, pmax)
  coef[seq_len(p)] <- fit$coefficients
  v <- matrix(NA_real_, pmax, pmax)
  v[seq_len(p), seq_len(p)] <- fit$var
  out[[k]] <- c(m$cohort, fit$iter, f17(fit$loglik[1]), f17(fit$loglik[2]), f17(fit$score),
                f17(coef), f17(as.vector(t(v))), paste(warns, collapse = ";"))
}
tab <- do.call(rbind, out)
colnames(tab) <- c("cohort", "iter", "loglik0", "loglik", "sctest", paste0("coef", 1:pmax),
                   paste0("var", rep(1:pmax, each = pmax), rep(1:pmax, pmax)), "warning")
write.csv(tab, file.path(dir, "r_fits.csv"), row.names = FALSE, quote = FALSE)
cat(sprintf("%s, survival %s: %d cohorts\n", R.version.string,
            as.character(packageVersion("survival")), nrow(tab)))
