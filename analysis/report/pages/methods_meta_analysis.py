"""Values and the agreement table of ``book/methods/meta-analysis.md``: how closely
``analysis.stats.meta.pool_proportions`` agrees with R metafor on the pinned fixtures."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from analysis.inputs import paths
from analysis.report.labels import CI_LABELS, METHOD_LABELS, TRANSFORM_LABELS
from analysis.stats.meta import pool_proportions

PAGE = "methods-meta-analysis"
QUANTITIES = ["estimate", "ci_low", "ci_high", "pi_low", "pi_high", "tau2", "i2", "h2", "q", "q_pvalue"]
QUANTITY_LABELS = {"estimate": "estimate", "ci_low": "CI low", "ci_high": "CI high", "pi_low": "PI low",
                   "pi_high": "PI high", "tau2": "τ²", "i2": "I²", "h2": "H²", "q": "Q", "q_pvalue": "P (Q)",
                   "yi, vi": "study yi, vi", "weights (%)": "weights (%)"}
METHOD_ORDER = ["EE", "DL", "PM", "REML", "ML", "GLMM", "GLMM_exact"]


def reference(path=None) -> dict:
    """The pinned metafor fixtures (tests/reference/metafor.json)."""
    return json.loads((path or paths.ROOT / "tests" / "reference" / "metafor.json").read_text(encoding="utf-8"))


def differences(ref: dict) -> pd.DataFrame:
    """Largest absolute difference from metafor per (method, transform, CI) and quantity."""
    rows = {}
    for case in ref["cases"]:
        d = ref["datasets"][case["dataset"]]
        method = "GLMM" if case["method"].startswith("GLMM") else case["method"]
        res = pool_proportions(d["xi"], d["ni"], transform=case["transform"], method=method, ci=case["ci"])
        target = dict(case)
        if case["method"] == "EE":          # metafor gives no PI for EE; it equals the CI
            target["pi_low"], target["pi_high"] = target["ci_low"], target["ci_high"]
        diffs = {q: abs(getattr(res, q) - target[q]) for q in QUANTITIES}
        diffs["yi, vi"] = max(float(np.max(np.abs(res.studies["yi"] - case["yi"]))),
                              float(np.max(np.abs(res.studies["vi"] - case["vi"]))))
        if "weights" in case:
            diffs["weights (%)"] = float(np.max(np.abs(res.studies["weight"] - case["weights"])))
        row = rows.setdefault((case["method"], case["transform"], case["ci"]), {})
        for q, value in diffs.items():
            row[q] = max(row.get(q, 0.0), float(value))
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index = pd.MultiIndex.from_tuples(table.index, names=["method", "transform", "ci"])
    order = {m: i for i, m in enumerate(METHOD_ORDER)}
    return table.sort_index(key=lambda idx: idx.map(order) if idx.name == "method" else idx)


def agreement_table(table: pd.DataFrame) -> pd.DataFrame:
    """The differences for display: readable model names, one column per quantity, 1.2e-08 style."""
    out = table.reset_index()
    names = {**METHOD_LABELS, "GLMM_exact": "logistic GLMM (lme4 deviance minimised exactly)"}
    model = [f"{names[m]}; {TRANSFORM_LABELS[t]}; {CI_LABELS[c]}"
             for m, t, c in zip(out["method"], out["transform"], out["ci"], strict=True)]
    values = out.drop(columns=["method", "transform", "ci"]).map(lambda v: "" if pd.isna(v) else f"{v:.1e}")
    values.columns = [QUANTITY_LABELS.get(c, c) for c in values.columns]
    values.insert(0, "model (estimator; scale; interval)", model)
    return values


def agreement() -> dict:
    """The comparison with the pinned fixtures, for the store (``analysis.report.store.DERIVED``):
    ``{"differences": differences(ref), "values": page_values(ref, differences)}``. It pools every
    fixture case again (about 540 fits), so the build computes it once, beside the claim groups."""
    ref = reference()
    table = differences(ref)
    return {"differences": table, "values": page_values(ref, table)}


def stored_agreement() -> dict:
    """``agreement()`` for this build's inputs, from the store (computed there if missing)."""
    from analysis.report.store import default_store

    return default_store().value("metafor-agreement")


def page_values(ref: dict, table: pd.DataFrame) -> dict:
    """Versions, counts and the largest differences the page states."""
    from analysis.stats.glmm import _agq_deviance

    iv = table.drop(index=["GLMM", "GLMM_exact"], level="method")
    props = ["estimate", "ci_low", "ci_high", "pi_low", "pi_high"]
    gaps = []
    for case in ref["cases"]:
        if case["method"] == "GLMM" and case["ci"] == "wald":
            d = ref["datasets"][case["dataset"]]
            x, n = np.asarray(d["xi"], float), np.asarray(d["ni"], float)
            ours = pool_proportions(d["xi"], d["ni"], method="GLMM")
            gaps.append(_agq_deviance(case["mu"], case["tau2"] ** 0.5, x, n)
                        - _agq_deviance(ours.mu, ours.tau2 ** 0.5, x, n))
    return {
        "metafor-version": str(ref["metafor_version"]), "lme4-version": str(ref["lme4_version"]),
        "r-version": str(ref["r_version"]), "n-cases": len(ref["cases"]), "n-datasets": len(ref["datasets"]),
        "n-public": sum(not k.startswith("edge_") for k in ref["datasets"]),
        "n-edge": sum(k.startswith("edge_") for k in ref["datasets"]),
        "uniroot-tol": f"{float(np.finfo(float).eps ** 0.25):.1e}",
        "example-k": len(ref["datasets"]["debruin2009"]["xi"]),
        "max-iv": f"{float(iv.to_numpy().max()):.1e}",
        "max-glmm-default": f"{float(table.loc['GLMM'][props].to_numpy().max()):.1e}",
        "max-glmm-tau2": f"{float(table.loc['GLMM']['tau2'].max()):.1e}",
        "max-glmm-exact": f"{float(table.loc['GLMM_exact'][props].to_numpy().max()):.1e}",
        "max-glmm-exact-tau2": f"{float(table.loc['GLMM_exact']['tau2'].max()):.1e}",
        "glmm-dev-gap": f"{float(max(gaps)):.1e}", "glmm-n-fits": len(gaps),
        "glmm-n-lower": sum(g >= -1e-11 for g in gaps),
        "pm-gap": f"{paule_mandel_gap(ref):.1e}",
    }


def paule_mandel_gap(ref: dict) -> float:
    """How far metafor's default uniroot tolerance leaves the Paule–Mandel τ² from the exact root."""
    from scipy.optimize import brentq

    worst = 0.0
    for d in ref["datasets"].values():
        for tr in ("logit", "ftda", "asin", "raw"):
            res = pool_proportions(d["xi"], d["ni"], transform=tr, method="PM")
            yi, vi = res.studies["yi"].to_numpy(), res.studies["vi"].to_numpy()

            def excess_q(t, yi=yi, vi=vi):
                w = 1.0 / (vi + t)
                return float(np.sum(w * (yi - np.sum(w * yi) / np.sum(w)) ** 2)) - (len(yi) - 1)

            exact = 0.0 if excess_q(0.0) < 0 else brentq(excess_q, 0.0, 100.0, xtol=1e-15)
            worst = max(worst, abs(exact - res.tau2))
    return worst
