"""The ledger's per-check CSV: every check with its informativeness, published for statisticians."""

import csv
import io

from analysis.claims import evaluate_all
from analysis.inputs.files import load_claims
from analysis.report.ledger import CHECK_COLUMNS, build_ledger, ledger_checks_csv


def test_every_check_of_the_ledger_is_one_row_with_its_informativeness():
    claims = load_claims()
    ledger = build_ledger(evaluate_all(claims), claims)
    rows = list(csv.DictReader(io.StringIO(ledger_checks_csv(ledger))))
    assert list(rows[0]) == CHECK_COLUMNS
    assert len(rows) == sum(len(c["checks"]) for c in ledger["claims"])
    assert {r["informative"] for r in rows} == {"true", "false"}
    for r in rows:
        if r["informative"] == "false":
            assert r["uninformative_reason"] and r["counted"] == "false"
    wide = [r for r in rows if r["claim"] == "reinduction-cr" and r["check"].startswith("pooled CR, second or later")]
    assert wide and wide[0]["informative"] == "false" and float(wide[0]["ci_high"]) - float(wide[0]["ci_low"]) > 0.5
