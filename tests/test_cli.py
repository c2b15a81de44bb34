"""The command line as CI and reviewers use it: verify / validate, exit codes, one-line errors."""

import json

import pytest
from conftest import replace_in, replace_in_claim, run_cli

from analysis.inputs.files import load_claims


@pytest.fixture(scope="module")
def verify_stdout():
    """`verify --json -` once for the module (each run evaluates every claim)."""
    return run_cli("verify", "--json", "-")


@pytest.fixture(scope="module")
def verify_file(tmp_path_factory):
    out = tmp_path_factory.mktemp("ledger") / "ledger.json"
    return run_cli("verify", "--json", str(out)), out

LEDGER_FIELDS = {"id", "quote", "section", "references", "reported", "reproduced", "citation", "verdict",
                 "reason", "citation_reason", "checks", "expected", "page", "takeaway", "deciding", "rules"}
CHECK_FIELDS = {"label", "reported", "found", "agrees", "source", "note", "informative", "uninformative_reason",
                "outcome", "rule", "role", "ci"}


def test_verify_json_lists_every_claim_with_the_schema(verify_stdout):
    done = verify_stdout
    assert done.returncode == 0, done.stderr
    ledger = json.loads(done.stdout)
    assert ledger["source"]["doi"] == "10.35248/2329-6917.23.11.358"
    assert [c["id"] for c in ledger["claims"]] == load_claims().ids()
    for row in ledger["claims"]:
        assert set(row) == LEDGER_FIELDS
        assert all(set(check) == CHECK_FIELDS for check in row["checks"])
        assert row["page"].startswith("book/claims/") and row["page"].endswith("#" + row["id"])
    row = next(c for c in ledger["claims"] if c["id"] == "e1910-randomisation")
    assert (row["citation"], row["verdict"]) == ("unverifiable", "consistent")
    assert row["reproduced"][0] == {"label": "arms summed", "value": 224.0, "text": "224"}
    assert "e1910-randomisation" in done.stderr  # the table goes to stderr when JSON goes to stdout


def test_verify_prints_the_table_and_writes_json(verify_file):
    done, out = verify_file
    assert done.returncode == 0
    assert "e1910-randomisation" in done.stdout and "consistent" in done.stdout
    assert json.loads(out.read_text())["claims"]


def test_verify_is_deterministic(verify_stdout, verify_file):
    """Two independent runs (separate processes) write byte-identical ledgers."""
    assert verify_stdout.stdout == verify_file[1].read_text()


def test_verify_fails_on_drift_and_says_which_and_why(data_copy):
    replace_in_claim(data_copy / "claims.yaml", "e1910-randomisation",
                     "expected: {citation: unverifiable, verdict: consistent}",
                     "expected: {citation: supported, verdict: reproduced}")
    done = run_cli("verify", data_dir=data_copy)
    assert done.returncode == 1
    assert "e1910-randomisation: citation is 'unverifiable' but data/claims.yaml expects 'supported'" in done.stderr
    assert "e1910-randomisation: verdict is 'consistent' but data/claims.yaml expects 'reproduced'" in done.stderr
    assert "Traceback" not in done.stderr


def test_count_above_total_fails_validate_and_verify_with_one_line(data_copy):
    path = data_copy / "trials" / "e1910.yaml"
    line = path.read_text().splitlines().index('    printed: "395"') + 1
    replace_in(path, 'printed: "395"', 'printed: "500"')
    for command in ("validate", "verify"):
        done = run_cli(command, data_dir=data_copy)
        assert done.returncode == 2, command
        first = done.stderr.splitlines()[0]
        assert first == (f"{data_copy / 'trials' / 'e1910.yaml'}:{line}: figures[cr-after-induction].printed: "
                         "count 500 exceeds its total 488 (figure 'enrolled')")
        assert "Traceback" not in done.stderr


def test_csv_events_above_total_fails_with_file_row_field(data_copy):
    path = data_copy / "background" / "salvage_cr.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    import csv
    import io
    rows = list(csv.reader(io.StringIO(path.read_text())))
    target = next(i for i, r in enumerate(rows[1:], start=1) if r[header.index("events")] and r[header.index("total")])
    rows[target][header.index("events")] = str(int(rows[target][header.index("total")]) + 5)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue())
    done = run_cli("validate", data_dir=data_copy)
    assert done.returncode == 2
    assert f"{path}:{target + 1}: events: " in done.stderr  # data row N is line N + 1 (the header is line 1)
    assert "exceed total" in done.stderr and "Traceback" not in done.stderr


def test_duplicate_claim_id_fails_validate(data_copy):
    replace_in(data_copy / "claims.yaml", "  - id: relapse-children", "  - id: relapse-adults")
    done = run_cli("validate", data_dir=data_copy)
    assert done.returncode == 2
    assert "claims[relapse-adults].id: duplicate claim id 'relapse-adults'" in done.stderr


def test_validate_passes_on_the_repository():
    done = run_cli("validate")
    assert done.returncode == 0, done.stderr


def test_validate_covers_the_yaml_files_of_the_claim_groups(data_copy):
    """published.yaml (the cited meta-analysis's figures) and cited_works.yaml are inputs too."""
    replace_in(data_copy / "meta_analysis" / "published.yaml", "bibkey: Liu2023meta", "bibkey: Liu2099meta")
    text = (data_copy / "background" / "cited_works.yaml").read_text()
    key = "Hunger2012"
    assert key in text
    (data_copy / "background" / "cited_works.yaml").write_text(text.replace(key, "Hunger2099", 1))
    done = run_cli("validate", data_dir=data_copy)
    assert done.returncode == 2
    assert "published.yaml" in done.stderr and "unknown BibTeX key 'Liu2099meta'" in done.stderr
    assert "cited_works.yaml" in done.stderr and "Hunger2099" in done.stderr
    assert "Traceback" not in done.stderr
