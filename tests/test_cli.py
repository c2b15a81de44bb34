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


# ----------------------------------------------------------------------------- exit codes 2 and 3
def test_a_claim_an_evaluator_needs_removed_is_invalid_input_not_a_key_error(data_copy):
    path = data_copy / "claims.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: posthct-follow-up\n")
    end = text.index("  - id: ", start + 10)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    done = run_cli("verify", data_dir=data_copy)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[0].startswith(f"{path}: claims: no claim 'posthct-follow-up' (needed by "
                                                  "analysis/claims/post_transplant_maintenance.py")
    assert "Traceback" not in done.stderr and "KeyError" not in done.stderr


def test_verify_json_to_an_unwritable_path_is_one_line_exit_2(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    done = run_cli("verify", "--json", str(blocker / "ledger.json"))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"{blocker / 'ledger.json'}: --json: cannot write the ledger here "
                                        f"({blocker} is a file, not a folder)"]
    done = run_cli("verify", "--json", "/proc/ledger.json")  # a folder nobody may write to, even root
    assert done.returncode == 2 and len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith("/proc/ledger.json: --json: cannot write the ledger here (")


def _failing(monkeypatch, exc: Exception):
    """The command line with `validate` replaced by one that raises ``exc`` (the parser looks the
    command function up when main() runs)."""
    import analysis.__main__ as cli

    def fail(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_validate", fail)
    return cli


def test_an_internal_error_is_one_line_exit_3_and_the_traceback_only_with_debug(monkeypatch, capsys):
    cli = _failing(monkeypatch, ZeroDivisionError("division by zero in a broken evaluator"))
    assert cli.main(["validate"]) == 3
    assert capsys.readouterr().err.splitlines() == [
        "internal error (a bug): ZeroDivisionError: division by zero in a broken evaluator; "
        "rerun with --debug for the traceback"]
    for argv in (["--debug", "validate"], ["validate", "--debug"]):
        assert cli.main(argv) == 3
        err = capsys.readouterr().err
        assert "Traceback (most recent call last)" in err
        assert err.rstrip().endswith("rerun with --debug for the traceback")


def test_bad_input_found_while_evaluating_is_exit_2_in_one_line(monkeypatch, capsys):
    from analysis.inputs.files import DataError, MissingInput

    cli = _failing(monkeypatch, DataError("data/x.csv", 4, "events", "5 events exceed total 4"))
    assert cli.main(["validate"]) == 2
    assert capsys.readouterr().err.splitlines() == ["data/x.csv:4: events: 5 events exceed total 4"]
    cli = _failing(monkeypatch, MissingInput(DataError("data/trials/e1910.yaml", None, "figures", "no figure 'x'")))
    assert cli.main(["validate"]) == 2
    assert capsys.readouterr().err.splitlines() == ["data/trials/e1910.yaml: figures: no figure 'x'"]
