# Reference values for analysis/stats/proportions.py: clopper_pearson(), from R's binom.test.
#
# Run from the repository root:   Rscript tests/reference/make_clopper_pearson_reference.R
# Writes tests/reference/clopper_pearson.json (the Python tests read it; they never need R).
#
# binom.test(x, n, conf.level = L)$conf.int is the exact (Clopper & Pearson 1934) interval:
# qbeta(a/2, x, n - x + 1) and qbeta(1 - a/2, x + 1, n - x), with 0 when x = 0 and 1 when x = n.

suppressPackageStartupMessages(library(jsonlite))
cases <- list(
  c(1, 45, 0.95), c(0, 10, 0.95), c(10, 10, 0.95), c(0, 1, 0.95), c(1, 1, 0.95),
  c(25, 36, 0.95), c(63, 189, 0.95), c(62, 189, 0.95), c(10, 23, 0.95), c(115, 271, 0.95),
  c(5, 9, 0.90), c(44, 49, 0.99), c(7, 26, 0.95), c(187, 421, 0.95), c(0, 1000, 0.95),
  c(999, 1000, 0.95), c(3, 4, 0.5)
)
out <- lapply(cases, function(cs) {
  ci <- binom.test(cs[1], cs[2], conf.level = cs[3])$conf.int
  list(events = cs[1], total = cs[2], level = cs[3], low = ci[1], high = ci[2])
})
write_json(list(generated_by = "tests/reference/make_clopper_pearson_reference.R",
                r_version = R.version.string, cases = out),
           "tests/reference/clopper_pearson.json", auto_unbox = TRUE, digits = NA, pretty = TRUE)
