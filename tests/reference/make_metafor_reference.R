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
# GLMM fits are also repeated as "GLMM_exact": lme4's own nAGQ = 7 deviance function minimised
# to convergence, to show that the residual difference between Python and metafor's default
# fit is lme4's default optimiser tolerance, not a different objective.

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
    out <- capture(rma.glmm(measure = "PLO", xi = d$xi, ni = d$ni,
                            test = if (ci == "hk") "t" else "z"))
    fit <- out$value
    pr <- predict_all(fit, "PLO", d$ni)
    glmm_case <- c(
      list(dataset = dname, transform = "logit", method = "GLMM", ci = ci,
           metafor_call = sprintf("rma.glmm(measure='PLO', xi, ni, test='%s')",
                                  if (ci == "hk") "t" else "z"),
           warnings = out$warnings,
           tau2 = num(fit$tau2), i2 = num(fit$I2), h2 = num(fit$H2),
           q = num(fit$QE.Wld), q_pvalue = num(fit$QEp.Wld),
           q_lrt = num(fit$QE.LRT), q_lrt_pvalue = num(fit$QEp.LRT), k = fit$k,
           yi = as.numeric(fit$yi), vi = as.numeric(fit$vi)),
      pr)
    cases[[length(cases) + 1]] <- glmm_case
    # GLMM_exact: the same model and the same lme4 objective (glmer devFunOnly, nAGQ = 7),
    # minimised to convergence (nlminb, rel.tol 1e-14) instead of lme4's default stopping
    # rule; se from lme4's own finite-difference Hessian (deriv12), as vcov.merMod does.
    study <- factor(seq_along(d$xi))
    yy <- cbind(d$xi, d$ni - d$xi)
    devf <- lme4::glmer(yy ~ 1 + (1 | study), family = binomial, nAGQ = 7, devFunOnly = TRUE)
    best <- NULL
    for (th0 in c(sqrt(max(fit$tau2, 0.01)), 0.5, 2)) {
      o <- nlminb(c(th0, fit$beta[1]), devf, lower = c(0, -Inf),
                  control = list(rel.tol = 1e-14, x.tol = 1e-12, eval.max = 1e4, iter.max = 1e4))
      if (is.null(best) || o$objective < best$objective - 1e-10) best <- o
    }
    th <- best$par[1]; b <- best$par[2]
    H <- lme4:::deriv12(devf, c(th, b), delta = 1e-4)$Hessian
    se <- sqrt((2 * solve(H))[2, 2])
    tau2 <- th^2
    crit <- if (ci == "hk") qt(0.975, df = fit$k - 1) else qnorm(0.975)
    wi <- 1 / fit$vi
    vt <- (fit$k - 1) / (sum(wi) - sum(wi^2) / sum(wi))
    ex <- glmm_case
    ex$method <- "GLMM_exact"
    ex$metafor_call <- paste(glmm_case$metafor_call,
                             "-> lme4 devfun minimised by nlminb(rel.tol = 1e-14)")
    ex$warnings <- character(0)
    ex$tau2 <- tau2; ex$i2 <- 100 * tau2 / (vt + tau2); ex$h2 <- tau2 / vt + 1
    ex$mu <- b; ex$se <- se
    ex$ci_lb <- b - crit * se; ex$ci_ub <- b + crit * se
    ex$pi_lb <- b - crit * sqrt(se^2 + tau2); ex$pi_ub <- b + crit * sqrt(se^2 + tau2)
    ex$estimate <- plogis(b); ex$ci_low <- plogis(ex$ci_lb); ex$ci_high <- plogis(ex$ci_ub)
    ex$pi_low <- plogis(ex$pi_lb); ex$pi_high <- plogis(ex$pi_ub)
    cases[[length(cases) + 1]] <- ex
  }
}

ref <- list(
  generated_by = "tests/reference/make_metafor_reference.R",
  r_version = R.version.string,
  metafor_version = as.character(packageVersion("metafor")),
  metadat_version = as.character(packageVersion("metadat")),
  lme4_version = as.character(packageVersion("lme4")),
  jsonlite_version = as.character(packageVersion("jsonlite")),
  grid = list(transforms = names(measures), methods = c(methods, "GLMM", "GLMM_exact"),
              cis = names(tests), glmm_transforms = "logit"),
  datasets = lapply(datasets, function(d) list(source = d$source, xi = d$xi, ni = d$ni)),
  cases = cases)

write_json(ref, "tests/reference/metafor.json", auto_unbox = TRUE, digits = NA,
           pretty = TRUE, na = "null")
cat("wrote", length(cases), "cases to tests/reference/metafor.json\n")
