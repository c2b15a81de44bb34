# Reference values for analysis/meta.py, computed with R metafor (and lme4 for the GLMM).
#
# Run from the repository root:   Rscript tests/reference/make_metafor_reference.R
# Writes tests/reference/metafor.json (the Python tests read it; they never need R).
#
# Made with R 4.2.2, metafor 3.8-1, metadat 1.2-0, lme4 1.1-31 (versions are recorded in the
# JSON).  Every case is fitted exactly as a user would call metafor, with metafor's defaults:
#   rma(measure = M, xi = xi, ni = ni, method = METHOD, test = TEST)
#   predict(fit, transf = BACKTRANSFORM)          # 3.8-1 default prediction interval
#   rma.glmm(measure = "PLO", xi = xi, ni = ni, test = "z" | "t")   # nAGQ = 7
# GLMM fits are also repeated with tight lme4 optimiser tolerances ("glmm_tight"), to show
# that the residual difference from Python is lme4's default convergence tolerance.

suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

# ---------------------------------------------------------------- data sets (all public) ----
pag <- dat.pagliaro1992[dat.pagliaro1992$trt == "control", ]
has <- dat.hasselblad1998[dat.hasselblad1998$trt == "no_contact", ]
datasets <- list(
  pritz1997 = list(
    source = "metadat::dat.pritz1997 (Pritz 1997; two all-event studies)",
    xi = dat.pritz1997$xi, ni = dat.pritz1997$ni),
  debruin2009 = list(
    source = "metadat::dat.debruin2009 (de Bruin et al. 2009)",
    xi = dat.debruin2009$xi, ni = dat.debruin2009$ni),
  hannum2020 = list(
    source = "metadat::dat.hannum2020 (Hannum et al. 2020; k = 35)",
    xi = dat.hannum2020$xi, ni = dat.hannum2020$ni),
  pagliaro1992_control = list(
    source = "metadat::dat.pagliaro1992, control arms (one zero-event study)",
    xi = pag$xi, ni = pag$ni),
  hasselblad1998_nocontact = list(
    source = "metadat::dat.hasselblad1998, no-contact arms",
    xi = has$xi, ni = has$ni),
  edge_zero_event = list(
    source = "constructed edge case: one study with 0 events",
    xi = c(0, 5, 12, 3, 8), ni = c(20, 40, 50, 30, 45)),
  edge_all_event = list(
    source = "constructed edge case: one study with every patient an event",
    xi = c(10, 18, 7, 25), ni = c(10, 25, 12, 40)),
  edge_k2 = list(
    source = "constructed edge case: k = 2",
    xi = c(12, 30), ni = c(40, 50)),
  edge_homogeneous = list(
    source = "constructed edge case: homogeneous data, Q < k - 1",
    xi = c(20, 21, 19, 20, 22, 20), ni = c(50, 50, 50, 50, 50, 50)),
  edge_rare = list(
    source = "constructed edge case: rare events, raw-scale bounds below 0",
    xi = c(1, 0, 2, 1, 0), ni = c(15, 12, 20, 10, 9)),
  edge_near_boundary = list(
    source = "constructed edge case: little heterogeneity (tau2 near 0)",
    xi = c(30, 42, 25, 38, 33, 45, 28), ni = c(60, 80, 50, 70, 65, 85, 55))
)

measures <- c(logit = "PLO", ftda = "PFT", asin = "PAS", raw = "PR")
methods <- c("EE", "DL", "PM", "REML", "ML")
tests <- c(wald = "z", hk = "knha")

backtransform <- function(x, measure, ni) {
  switch(measure,
    PLO = transf.ilogit(x),
    PFT = transf.ipft.hm(x, targs = list(ni = ni)),
    PAS = transf.iarcsin(x),
    PR = x)
}

num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)

capture <- function(expr) {
  warns <- character(0)
  val <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = val, warnings = warns)
}

predict_all <- function(fit, measure, ni) {
  p <- predict(fit)   # transformed scale; back-transform each bound as predict(transf=) does
  list(
    mu = num(p$pred), se = num(p$se),
    ci_lb = num(p$ci.lb), ci_ub = num(p$ci.ub),
    pi_lb = num(p$pi.lb), pi_ub = num(p$pi.ub),
    estimate = backtransform(num(p$pred), measure, ni),
    ci_low = backtransform(num(p$ci.lb), measure, ni),
    ci_high = backtransform(num(p$ci.ub), measure, ni),
    pi_low = backtransform(num(p$pi.lb), measure, ni),
    pi_high = backtransform(num(p$pi.ub), measure, ni))
}

cases <- list()
for (dname in names(datasets)) {
  d <- datasets[[dname]]
  for (tr in names(measures)) {
    M <- measures[[tr]]
    for (meth in methods) {
      for (ci in names(tests)) {
        out <- capture(rma(measure = M, xi = d$xi, ni = d$ni, method = meth,
                           test = tests[[ci]]))
        fit <- out$value
        pr <- predict_all(fit, M, d$ni)
        # the same numbers through predict(transf = ) itself, as a cross-check of the above
        ptr <- if (M == "PR") predict(fit) else if (M == "PFT")
          predict(fit, transf = transf.ipft.hm, targs = list(ni = d$ni)) else
          predict(fit, transf = if (M == "PLO") transf.ilogit else transf.iarcsin)
        stopifnot(isTRUE(all.equal(num(ptr$pred), pr$estimate, tolerance = 1e-14)))
        cases[[length(cases) + 1]] <- c(
          list(dataset = dname, transform = tr, method = meth, ci = ci,
               metafor_call = sprintf("rma(measure='%s', xi, ni, method='%s', test='%s')",
                                      M, meth, tests[[ci]]),
               warnings = out$warnings,
               tau2 = num(fit$tau2), i2 = num(fit$I2), h2 = num(fit$H2),
               q = num(fit$QE), q_pvalue = num(fit$QEp), k = fit$k,
               yi = as.numeric(fit$yi), vi = as.numeric(fit$vi),
               weights = as.numeric(weights(fit))),
          pr)
      }
    }
  }
  # GLMM: random-intercept logistic model (logit only); hk -> metafor's test = "t"
  for (ci in c("wald", "hk")) {
    for (variant in c("default", "tight")) {
      ctrl <- if (variant == "tight") list(glmerCtrl = list(
        optimizer = "Nelder_Mead", tolPwrss = 1e-12,
        optCtrl = list(FtolAbs = 1e-14, FtolRel = 1e-14, XtolRel = 1e-12, maxfun = 1e6)))
        else list()
      out <- capture(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni,
                              test = if (ci == "hk") "t" else "z", control = ctrl))
      fit <- out$value
      pr <- predict_all(fit, "PLO", d$ni)
      cases[[length(cases) + 1]] <- c(
        list(dataset = dname, transform = "logit",
             method = if (variant == "default") "GLMM" else "GLMM_tight", ci = ci,
             metafor_call = sprintf("rma.glmm(measure='PLO', xi, ni, test='%s'%s)",
                                    if (ci == "hk") "t" else "z",
                                    if (variant == "tight") ", control=<tight lme4 tolerances>" else ""),
             warnings = out$warnings,
             tau2 = num(fit$tau2), i2 = num(fit$I2), h2 = num(fit$H2),
             q = num(fit$QE.Wld), q_pvalue = num(fit$QEp.Wld),
             q_lrt = num(fit$QE.LRT), q_lrt_pvalue = num(fit$QEp.LRT), k = fit$k,
             yi = as.numeric(fit$yi), vi = as.numeric(fit$vi)),
        pr)
    }
  }
}

ref <- list(
  generated_by = "tests/reference/make_metafor_reference.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  lme4_version = as.character(packageVersion("lme4")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  grid = list(transforms = names(measures), methods = c(methods, "GLMM", "GLMM_tight"),
              cis = names(tests), glmm_transforms = "logit"),
  datasets = lapply(datasets, function(d) list(source = d$source, xi = d$xi, ni = d$ni)),
  cases = cases)

write_json(ref, "tests/reference/metafor.json", auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote", length(cases), "cases to tests/reference/metafor.json\n")
