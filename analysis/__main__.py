"""Command line: ``python -m analysis verify [--json PATH|-]`` and ``python -m analysis validate``.

verify    validate the inputs, evaluate every claim, print the ledger table, optionally write
          the ledger JSON (``-`` = standard output, then the table goes to standard error)
validate  check every input file, then evaluate every claim without comparing verdicts (so that
          it fails on anything ``verify`` would fail on); print ``file:line: field: problem`` lines

Exit codes (the same for both commands, so CI can tell a crash from a drift):

  0  ok
  1  verdict drift: a verdict differs from ``expected`` in data/claims.yaml (each one named)
  2  invalid input: one line per problem, ``file:line: field: problem``
  3  internal error (a bug): one line; ``--debug`` prints the traceback
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

EXIT_OK, EXIT_DRIFT, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


class InvalidInput(Exception):
    """Input problems already printed; exit 2."""


def _print_errors(errors) -> None:
    for error in errors:
        print(str(error), file=sys.stderr)


def _checked_inputs():
    """Validate every input (exit 2 with every problem when any), then load the claims. The
    problem list is kept in the build's store (``analysis.report.store``) keyed on the inputs, so
    an unchanged checkout is validated once."""
    from analysis.inputs.files import load_claims
    from analysis.inputs.validate import validate_errors
    from analysis.report.store import default_store

    errors = default_store().validation(validate_errors)
    if errors:
        _print_errors(errors)
        raise InvalidInput
    return load_claims()


def _evaluate(claims):
    from analysis.claims import evaluate_all

    return evaluate_all(claims)


def cmd_validate(args) -> int:
    _evaluate(_checked_inputs())
    print("all data files are valid", file=sys.stderr)
    return EXIT_OK


def _writable(path: str) -> None:
    """Fail before evaluating anything when the ledger JSON cannot be written to ``path``."""
    from analysis.inputs.files import DataError

    target = Path(path)
    blocking = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise DataError(target, None, "--json", f"cannot write the ledger here ({blocking} is a file, not a folder)")
    if target.is_dir():
        raise DataError(target, None, "--json", "cannot write the ledger here (it is a folder)")


def _write_json(path: str, text: str) -> None:
    from analysis.inputs.files import DataError

    target = Path(path)
    _writable(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(target, None, "--json", f"cannot write the ledger here ({exc.strerror or exc})") from None


def cmd_verify(args) -> int:
    from analysis.report.ledger import drift, ledger_json, ledger_table

    if args.json and args.json != "-":
        _writable(args.json)
    _checked_inputs()
    from analysis.report.store import default_store

    ledger = default_store().ledger()       # the same stored results the pages show
    table_out = sys.stderr if args.json == "-" else sys.stdout
    text = ledger_json(ledger) if args.json else ""
    if args.json and args.json != "-":
        _write_json(args.json, text)
    print(ledger_table(ledger), file=table_out)
    if args.json == "-":
        sys.stdout.write(text)
    elif args.json:
        print(f"ledger JSON written to {args.json}", file=table_out)
    drifted = drift(ledger)
    if drifted:
        print(f"\n{len(drifted)} verdict(s) differ from data/claims.yaml:", file=sys.stderr)
        for line in drifted:
            print(f"  {line}", file=sys.stderr)
        return EXIT_DRIFT
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analysis", description=__doc__.split("\n")[0],
                                     epilog="exit codes: 0 ok, 1 verdict drift, 2 invalid input, 3 internal error")
    parser.add_argument("--debug", action="store_true", help="print the traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True)
    verify = sub.add_parser("verify", help="print the claims ledger; fail when a verdict drifts")
    verify.add_argument("--json", metavar="PATH|-", help="also write the ledger JSON to PATH (- for stdout)")
    verify.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    verify.set_defaults(func=cmd_verify)
    validate = sub.add_parser("validate", help="check every data file")
    validate.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        from analysis.inputs.files import DataError, DataErrors, MissingInput
    except Exception as exc:  # noqa: BLE001 - a broken package is a bug, reported in one line too
        return _internal(exc, args.debug)
    try:
        return args.func(args)
    except InvalidInput:
        return EXIT_INVALID
    except (DataError, DataErrors) as exc:  # found while loading or evaluating: the same one-line format
        _print_errors(exc.errors if isinstance(exc, DataErrors) else [exc])
        return EXIT_INVALID
    except MissingInput as exc:  # an entry the code looks up is not in its file
        _print_errors([exc.error])
        return EXIT_INVALID
    except ValueError as exc:  # an evaluator rejecting data it cannot use (validate did not foresee it)
        if args.debug:
            traceback.print_exc()
        print(f"invalid input: {' '.join(str(exc).split())}", file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `verify --json - | head`
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the one place every other failure is reported
        return _internal(exc, args.debug)


def _internal(exc: BaseException, debug: bool) -> int:
    if debug:
        traceback.print_exception(exc)
    message = " ".join(str(exc).split()) or "(no message)"
    print(f"internal error (a bug): {type(exc).__name__}: {message}; rerun with --debug for the traceback",
          file=sys.stderr)
    return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
