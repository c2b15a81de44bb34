"""Command line: ``python -m analysis verify [--json PATH|-]`` and ``python -m analysis validate``.

verify    validate the inputs, evaluate every claim, print the ledger table, optionally write
          the ledger JSON (``-`` = standard output, then the table goes to standard error);
          exit 0 when every verdict equals ``expected`` in data/claims.yaml, 1 when any drifts
          (each drift is named with its reason), 2 when an input file is invalid.
validate  check every data file; print ``file:line/row: field: problem`` lines; exit 0 or 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EXIT_OK, EXIT_DRIFT, EXIT_INVALID = 0, 1, 2


def _validate(out) -> int:
    from analysis.inputs.validate import validate_all

    problems = validate_all()
    for line in problems:
        print(line, file=out)
    return EXIT_INVALID if problems else EXIT_OK


def cmd_validate(args) -> int:
    code = _validate(sys.stderr)
    if code == EXIT_OK:
        print("all data files are valid", file=sys.stderr)
    return code


def cmd_verify(args) -> int:
    from analysis.claims import evaluate_all
    from analysis.inputs.files import load_claims
    from analysis.report.ledger import build_ledger, drift, ledger_json, ledger_table

    if _validate(sys.stderr) != EXIT_OK:
        print("verify: input files are invalid (see above); no verdicts computed", file=sys.stderr)
        return EXIT_INVALID
    claims = load_claims()
    ledger = build_ledger(evaluate_all(claims), claims)
    table_out = sys.stderr if args.json == "-" else sys.stdout
    print(ledger_table(ledger), file=table_out)
    if args.json == "-":
        sys.stdout.write(ledger_json(ledger))
    elif args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(ledger_json(ledger), encoding="utf-8")
        print(f"ledger JSON written to {args.json}", file=table_out)
    drifted = drift(ledger)
    if drifted:
        print(f"\n{len(drifted)} verdict(s) differ from data/claims.yaml:", file=sys.stderr)
        for line in drifted:
            print(f"  {line}", file=sys.stderr)
        return EXIT_DRIFT
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="print the claims ledger; fail when a verdict drifts")
    verify.add_argument("--json", metavar="PATH|-", help="also write the ledger JSON to PATH (- for stdout)")
    verify.set_defaults(func=cmd_verify)
    validate = sub.add_parser("validate", help="check every data file")
    validate.set_defaults(func=cmd_validate)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as exc:  # any remaining bad-input error: one line, no traceback
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":
    sys.exit(main())
