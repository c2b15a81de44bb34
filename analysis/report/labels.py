"""Readable names for what the pages show: claims, models and method codes, and the glossary of
the abbreviations that stay.

A reader should never meet an internal identifier (a claim id, a row id, a BibTeX key) or a
method code ("raw EE hk", "ftda") on a page: every table and figure goes through these names.
Each claim's name is also the heading of its section on its page (``tests/book`` checks it),
so the ledger, the summary of findings and the page all call a claim the same thing.
"""

from __future__ import annotations

#: The claim's name: the heading of its section (its anchor is the claim id).
CLAIM_NAMES = {
    "headline-all-stages": "Feasible at all stages of B-ALL",
    "relapse-adults": "Relapse or resistance in adults",
    "relapse-children": "Relapse or resistance in children",
    "reinduction-cr": "Remission after re-induction chemotherapy",
    "trm-immunotherapy": "Treatment-related mortality of immunotherapy",
    "meta-scope": "Meta-analysis: what it evaluated",
    "meta-studies-patients": "Meta-analysis: number of studies and patients",
    "meta-cr-rate": "Meta-analysis: complete remission rate",
    "meta-mrd-rate": "Meta-analysis: MRD response rate",
    "posthct-design": "Post-transplant study: the design",
    "posthct-follow-up": "Post-transplant study: the follow-up",
    "posthct-outcomes": "Post-transplant study: survival and nonrelapse mortality",
    "posthct-feasible": "Post-transplant study: \u201cfeasible\u201d",
    "e1910-population": "E1910: who was randomised",
    "e1910-mrd-threshold": "E1910: the MRD threshold and its timing",
    "e1910-randomisation": "E1910: randomisation counts",
    "e1910-arms": "E1910: the two arms",
    "e1910-median-os": "E1910: median overall survival",
    "e1910-follow-up": "E1910: median follow-up",
    "e1910-standard-of-care": "E1910: \u201ca new standard of treatment\u201d",
}

TRANSFORM_LABELS = {"logit": "logit", "ftda": "Freeman\u2013Tukey", "asin": "arcsine", "raw": "untransformed"}
METHOD_LABELS = {"EE": "common effect", "DL": "DerSimonian\u2013Laird", "PM": "Paule\u2013Mandel", "REML": "REML",
                 "ML": "maximum likelihood", "GLMM": "logistic GLMM"}
CI_LABELS = {"wald": "Wald", "hk": "Hartung\u2013Knapp"}

#: The abbreviations a reader still meets on the pages, explained once.
GLOSSARY = {
    "B-ALL": "B-cell acute lymphoblastic leukaemia",
    "CR": "complete remission; CRh: with partial haematological recovery; CRi: with incomplete recovery",
    "MRD": "measurable (minimal) residual disease",
    "HCT": "haematopoietic cell transplantation (allogeneic unless stated)",
    "TRM": "treatment-related mortality: deaths the investigators attributed to treatment",
    "OS / PFS": "overall survival / progression-free survival",
    "HR": "hazard ratio",
    "CI": "confidence interval (95% unless stated); PI: prediction interval for a new study",
    "REML": "restricted maximum likelihood, an estimator of the between-study variance \u03c4\u00b2",
    "Hartung\u2013Knapp": "a confidence interval for a pooled estimate that uses a t quantile and the observed "
                        "spread of the studies; it keeps its coverage with few studies",
    "GLMM": "generalised linear mixed model: a random-intercept logistic model of the counts",
    "I\u00b2": "the share of the variation between studies not explained by chance",
    "GRIM": "a test of whether a percentage can arise from whole numbers of patients",
}


def claim_name(claim_id: str) -> str:
    """The readable name of a claim (its section heading); the id only for a claim not listed yet."""
    return CLAIM_NAMES.get(claim_id, claim_id.replace("-", " ").capitalize())


def model_label(transform: str, method: str, ci: str) -> str:
    """"logit, REML, Hartung–Knapp" instead of "logit REML hk"."""
    return f"{TRANSFORM_LABELS[transform]}, {METHOD_LABELS[method]}, {CI_LABELS[ci]}"


__all__ = ["CLAIM_NAMES", "TRANSFORM_LABELS", "METHOD_LABELS", "CI_LABELS", "GLOSSARY", "claim_name", "model_label"]
