# Reference values for cox_ph(..., robust=True / cluster=...) with ties, strata and late entry.
# Run from this folder: Rscript make_reference.R  (writes expected.json)
suppressPackageStartupMessages(library(survival))
d <- read.csv("input.csv")
fmt <- function(x) formatC(x, digits = 17, format = "g")
vec <- function(x) paste0("[", paste(fmt(as.vector(x)), collapse = ", "), "]")
out <- character(0)
for (ties in c("efron", "breslow")) for (strat in c("none", "stratum"))
  for (cl in c("row", "id", "centre")) {
    f <- "Surv(start, stop, event) ~ x1 + x2"
    if (strat == "stratum") f <- paste(f, "+ strata(stratum)")
    # "row": each row its own cluster (survival 3.5 wants a cluster for counting-process data)
    grp <- if (cl == "row") seq_len(nrow(d)) else d[[cl]]
    fit <- coxph(as.formula(f), data = d, ties = ties, cluster = grp,
                 control = coxph.control(eps = 1e-14, iter.max = 100, toler.chol = 1e-15))
    key <- paste(ties, strat, cl, sep = "/")
    out <- c(out, sprintf('  "%s": {"coef": %s, "naive_var": %s, "robust_var": %s, "loglik": %s}',
                          key, vec(coef(fit)), vec(fit$naive.var), vec(fit$var),
                          vec(fit$loglik)))
  }
writeLines(c("{", paste(out, collapse = ",\n"), "}"), "expected.json")
cat(R.version.string, "survival", as.character(packageVersion("survival")), "\n")
