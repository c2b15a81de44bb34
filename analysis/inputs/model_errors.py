"""Validation errors of the typed models as one-line ``DataError``s, in the report's words.

pydantic reports a problem as a location (``("figures", 3, "printed")``) and a message
("Input should be a valid string"). :func:`validate_at` turns each into one
``file:line: field: problem`` line: the line from the YAML document's line numbers, the field
named by the entry's id (``figures[enrolled].printed``), and the problem said for a data
curator ("must be text (in quotes when it looks like a number or true/false), got the number
488"; "unknown field (allowed: ...)"; "must be true or false (unquoted), got the text 'no'").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from analysis.inputs.files import DataError, error_at

_KIND_WORDS = {bool: "the true/false value", int: "the number", float: "the number", str: "the text",
               list: "a list", dict: "a mapping"}


def describe(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    for kind, words in _KIND_WORDS.items():
        if isinstance(value, kind):
            if kind in (list, dict):
                return words
            shown = str(value).lower() if kind is bool else repr(value)
            return f"{words} {shown[:60]}"
    return f"{type(value).__name__} {str(value)[:60]!r}"


def _model_at(model: Any, loc: tuple) -> type[BaseModel] | None:
    """The model class that owns the field at ``loc`` (to list its allowed fields)."""
    current = model
    for step in loc:
        while get_origin(current) is Annotated:
            current = get_args(current)[0]
        origin = get_origin(current)
        if origin in (list, tuple, dict):
            current = get_args(current)[-1 if origin is dict else 0]
            continue
        if isinstance(current, type) and issubclass(current, BaseModel) and step in current.model_fields:
            current = current.model_fields[step].annotation
            continue
        return None
    while get_origin(current) is Annotated:
        current = get_args(current)[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _problem(model: type[BaseModel], error: dict) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "missing field"
    if kind == "extra_forbidden":
        owner = _model_at(model, tuple(error["loc"][:-1]))
        allowed = f" (allowed: {', '.join(owner.model_fields)})" if owner else ""
        return f"unknown field{allowed}"
    if kind == "string_type" and isinstance(error["loc"][-1], int):
        return f"must be a list of strings (in quotes); item {error['loc'][-1] + 1} is {describe(value)}"
    if kind == "string_type":
        return f"must be text (in quotes when it looks like a number or true/false), got {describe(value)}"
    if kind == "bool_type":
        return f"must be true or false (unquoted), got {describe(value)}"
    if kind in ("int_type", "int_from_float", "int_parsing"):
        return f"must be a whole number, got {describe(value)}"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list, got {describe(value)}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"must be a mapping (key: value lines), got {describe(value)}"
    if kind == "literal_error":
        return f"unknown value {value!r} (allowed: {error['ctx']['expected']})"
    if kind == "too_short":
        return "must not be empty"
    if kind in ("greater_than_equal", "less_than_equal"):
        bound = error["ctx"].get("ge", error["ctx"].get("le"))
        return f"must be {'at least' if kind == 'greater_than_equal' else 'at most'} {bound}, got {value!r}"
    return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")


def validate_document(model: type[BaseModel], doc: Any, path: Path | str,
                      context: Any = None) -> tuple[Any, list[DataError]]:
    """Validate a YAML document against ``model``: (the model or None, one DataError per problem)."""
    return validate_at(model, doc, path, doc, (), context)


def validate_at(model: type[BaseModel], value: Any, path: Path | str, doc: Any, loc: tuple,
                context: Any = None) -> tuple[Any, list[DataError]]:
    """Validate the part ``value`` of a YAML document found at ``loc`` against ``model``; errors
    name their line and field in the whole document."""
    try:
        return model.model_validate(value, context=context), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False):
            where = loc + tuple(step for step in error["loc"] if step != "[key]")
            names_item = error["type"] in ("value_error", "string_type")  # the message says which value
            errors.append(error_at(path, doc, where, _problem(model, error), item_prefix=not names_item))
        return None, errors
