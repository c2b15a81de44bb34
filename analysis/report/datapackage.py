"""Every file of ``data/`` as a download, described by a Frictionless Data Package.

The CSV tables get a Table Schema (https://specs.frictionlessdata.io/table-schema/) translated
from their pandera schemas in :mod:`analysis.inputs.tables` -- one rule, one place: the type of
each column (whole-number counts as ``integer``, ``true``/``false`` flags as ``boolean``), its
pattern, its allowed values and whether it is required. Rules across columns that Table Schema
cannot state (an event count above its total, a count without the place it was read) stay in
the package's validator and are named in each table's description. The other files (YAML
registries and figure files, the commentary's text, READMEs) are listed with the validator that
defines their structure. Every resource carries its size and sha256, so a downloaded copy can be
checked against the one behind the pages.

The build (``book/_ext/metadata.py``) copies the files into ``_static/data/`` of the built site
with ``datapackage.json`` and one ``<table>.schema.json`` per CSV; the data page links them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from analysis.inputs import paths

DATA_DIR_IN_SITE = "_static/data"
PACKAGE_FILE = "datapackage.json"
CROSS_COLUMN_RULES = ("Checked by the report's validator beyond this schema: an event count never exceeds its "
                      "total, every count names where it was read, and a count computed from a printed "
                      "percentage is flagged as derived.")
_REQUIRED_ERROR = "must not be empty"  # the error text of analysis.inputs.tables' required-column check
_WHOLE = r"^(\d+)?$"
_FLAGS = {"true", "false"}


@dataclass(frozen=True)
class FileKind:
    """What a non-tabular file is and which function defines (and validates) its structure."""

    pattern: str
    title: str
    schema: str           # dotted name of the validator, or a plain statement
    fmt: str
    mediatype: str


FILE_KINDS = (
    FileKind("claims.yaml", "Claims registry: every checkable statement with its quote, references, printed values and "
                            "expected verdicts",
             "analysis.inputs.files.load_claims (fields described in the file's header)", "yaml", "application/yaml"),
    FileKind("errata.yaml", "The commentary's textual problems", "analysis.inputs.errata.load_errata",
             "yaml", "application/yaml"),
    FileKind("source_keys.yaml", "BibTeX key of every work a data row was read in, with its DOI/PMID/PMCID/NCT",
             "analysis.inputs.sources.load_source_keys", "yaml", "application/yaml"),
    FileKind("trials/*.yaml", "Trial figures as printed, each with where it was read",
             "analysis.inputs.trials.load_trial", "yaml", "application/yaml"),
    FileKind("meta_analysis/specifications.yaml", "Which candidate studies each meta-analysis specification pools, and "
                                                  "how",
             "analysis.stats.specifications.load_specifications", "yaml", "application/yaml"),
    FileKind("meta_analysis/published.yaml", "The cited meta-analysis's printed figures",
             "analysis.inputs.trials.load_trial", "yaml", "application/yaml"),
    FileKind("background/cited_works.yaml", "What each work the commentary cites says, as read",
             "analysis.inputs.cited_works.load_cited_works", "yaml", "application/yaml"),
    FileKind("background/selection.yaml", "How the claim pages use every row of the background tables (check, context, "
                                          "pool, excluded, with the reason)",
             "analysis.inputs.selection.load_selection", "yaml", "application/yaml"),
    FileKind("synthesis/stages.yaml", "Evidence for the headline claim: one row per study, by disease stage and "
                                      "population",
             "analysis.claims.synthesis.load_stages", "yaml", "application/yaml"),
    FileKind("source/commentary.txt", "The commentary's text (Liu & Wu 2023, CC BY), which every quote is matched "
                                      "against",
             "plain UTF-8 text", "txt", "text/plain"),
    FileKind("*README.md", "Documentation of the folder's files", "Markdown text", "md", "text/markdown"),
    FileKind("*/REFERENCE-METADATA.md", "What was verified about each reference, and where",
             "Markdown text", "md", "text/markdown"),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _resource_name(relative: str) -> str:
    stem = relative.rsplit(".", 1)[0] if "." in relative else relative
    return "".join(ch if ch.isalnum() else "-" for ch in stem.lower()).strip("-")


def table_schema(name: str) -> dict:
    """The Table Schema of a registered CSV table (``name`` as in ``TABLES``)."""
    from analysis.inputs.tables import TABLES

    spec = TABLES[name]
    fields = []
    for column, col in spec.schema.columns.items():
        field: dict = {"name": column, "type": "string"}
        constraints: dict = {}
        descriptions = []
        for check in col.checks:
            stats = getattr(check, "statistics", {}) or {}
            if check.error == _REQUIRED_ERROR:
                constraints["required"] = True
            elif "pattern" in stats:
                if stats["pattern"] == _WHOLE:
                    field["type"] = "integer"
                    constraints["minimum"] = 0
                else:
                    constraints["pattern"] = stats["pattern"].removeprefix("^").removesuffix("$")
                descriptions.append(check.error)
            elif "allowed_values" in stats:
                values = [v for v in stats["allowed_values"] if v != ""]
                if set(values) == _FLAGS:
                    field.update(type="boolean", trueValues=["true"], falseValues=["false"])
                else:
                    constraints["enum"] = values
        if descriptions:
            field["description"] = "; ".join(d for d in descriptions if d)
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    schema = {"fields": fields, "missingValues": [""]}
    if spec.key:
        schema["primaryKey"] = [spec.key]
    return schema


UNDESCRIBED = "no schema registered yet"


def _kind_of(relative: str) -> FileKind:
    """The kind of a non-tabular file. A file no kind matches is still offered for download,
    marked as undescribed; :func:`undescribed_files` lists them and a test fails on any, so a new
    data file cannot ship without its schema (without breaking other people's builds meanwhile)."""
    for kind in FILE_KINDS:
        if fnmatch.fnmatch(relative, kind.pattern):
            return kind
    suffix = relative.rsplit(".", 1)[-1].lower() if "." in relative else "bin"
    return FileKind(relative, "Not described yet", UNDESCRIBED, suffix, "application/octet-stream")


def undescribed_files(data_dir: Path | str = paths.DATA) -> list[str]:
    """'data/x: file: no schema describes this file (...)' for every file without a schema."""
    from analysis.inputs.tables import TABLES

    return [f"data/{relative}: file: no schema describes this file (register it in analysis.inputs.tables "
            "or in FILE_KINDS of analysis/report/datapackage.py)"
            for relative in data_files(data_dir) if relative not in TABLES and _kind_of(relative).schema == UNDESCRIBED]


def data_files(data_dir: Path | str = paths.DATA) -> list[str]:
    """Every file under ``data_dir``, relative to it, sorted."""
    root = Path(data_dir)
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def package(data_dir: Path | str = paths.DATA) -> dict:
    """The Data Package descriptor of ``data_dir`` (paths relative to ``datapackage.json``)."""
    from analysis.inputs.tables import TABLES
    from analysis.version import REPORT_VERSION, base_url, report_author, report_title

    root = Path(data_dir)
    resources = []
    for relative in data_files(root):
        path = root / relative
        common = {"name": _resource_name(relative), "path": relative, "bytes": path.stat().st_size,
                  "hash": f"sha256:{_sha256(path)}"}
        if relative in TABLES:
            resources.append({**common, "type": "table", "profile": "tabular-data-resource", "scheme": "file",
                              "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
                              "title": f"data/{relative}", "description": CROSS_COLUMN_RULES,
                              "schema": table_schema(relative)})
        else:
            kind = _kind_of(relative)
            resources.append({**common, "type": "file", "scheme": "file", "format": kind.fmt,
                              "mediatype": kind.mediatype, "encoding": "utf-8", "title": kind.title,
                              "description": f"Structure: {kind.schema}."})
    descriptor = {
        "name": "blinatumomab-commentary-recheck-data",
        "title": f"Data of: {report_title()}",
        "version": REPORT_VERSION,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                      "title": "Creative Commons Attribution 4.0"}],
        "contributors": [{"title": report_author(), "role": "author"}],
        "resources": resources,
    }
    if base_url():
        descriptor["homepage"] = base_url()
    return descriptor


def package_json(data_dir: Path | str = paths.DATA) -> str:
    return json.dumps(package(data_dir), indent=2, ensure_ascii=False) + "\n"


def schema_file(relative: str) -> str:
    """Where a CSV's Table Schema is written beside it: 'meta_analysis/studies.schema.json'."""
    return relative.removesuffix(".csv") + ".schema.json"


def write_data_downloads(outdir: Path | str, data_dir: Path | str = paths.DATA) -> list[Path]:
    """Copy every data file, its Table Schema and datapackage.json into ``<outdir>/_static/data``."""
    from analysis.inputs.tables import TABLES

    target = Path(outdir) / DATA_DIR_IN_SITE
    if target.exists():
        shutil.rmtree(target)
    written = []
    for relative in data_files(data_dir):
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(Path(data_dir) / relative, destination)
        written.append(destination)
        if relative in TABLES:
            schema = target / schema_file(relative)
            schema.write_text(json.dumps(table_schema(relative), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            written.append(schema)
    (target / PACKAGE_FILE).write_text(package_json(data_dir), encoding="utf-8")
    written.append(target / PACKAGE_FILE)
    return written


_DOWNLOADS = None


def downloads_html(page: str = "book/data.html", data_dir: Path | str = paths.DATA):
    """The data page's download table: every file of data/ with what it is, its size, sha256 and
    schema (a Table Schema file for each CSV, the validating function for the others), and a
    link to datapackage.json. Rendered with jinja2 autoescape."""
    import posixpath

    from jinja2 import Environment, StrictUndefined
    from markupsafe import Markup

    global _DOWNLOADS
    if _DOWNLOADS is None:
        _DOWNLOADS = Environment(autoescape=True, undefined=StrictUndefined).from_string(
            '<p class="data-package"><a href="{{ package }}" download>datapackage.json</a> '
            '(Frictionless Data Package: every file below with its size, sha256 and, for the tables, '
            'the Table Schema)</p>'
            '<div class="table-scroll"><table class="data-downloads"><thead><tr><th>file</th><th>what it holds</th>'
            '<th class="num">bytes</th><th>sha256</th><th>schema</th></tr></thead><tbody>'
            '{% for r in rows %}<tr><td><a href="{{ r.href }}" download><code>data/{{ r.path }}</code></a></td>'
            '<td>{{ r.title }}</td><td class="num">{{ r.bytes }}</td><td><code title="{{ r.sha }}">'
            '{{ r.sha[:12] }}</code></td><td>'
            '{% if r.schema_href %}<a href="{{ r.schema_href }}" download>Table Schema</a>'
            '{% else %}{{ r.schema }}{% endif %}'
            '</td></tr>{% endfor %}</tbody></table></div>')
    base = posixpath.relpath(DATA_DIR_IN_SITE, posixpath.dirname(page) or ".")
    rows = []
    for resource in package(data_dir)["resources"]:
        tabular = resource.get("type") == "table"
        rows.append({"path": resource["path"], "href": f"{base}/{resource['path']}", "title": resource["title"]
                     if not tabular else "Table (columns and rules below)", "bytes": resource["bytes"],
                     "sha": resource["hash"].removeprefix("sha256:"),
                     "schema_href": f"{base}/{schema_file(resource['path'])}" if tabular else None,
                     "schema": resource["description"].removeprefix("Structure: ").rstrip(".")})
    return Markup(_DOWNLOADS.render(rows=rows, package=f"{base}/{PACKAGE_FILE}"))


__all__ = ["downloads_html", "undescribed_files", "package", "package_json", "table_schema", "data_files",
           "write_data_downloads", "schema_file", "FILE_KINDS", "DATA_DIR_IN_SITE", "PACKAGE_FILE"]
