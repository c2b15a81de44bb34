"""datapackage.json: every data file described, valid as a Frictionless Data Package, and able
to fail: a broken cell or a tampered file makes it invalid."""

from __future__ import annotations

import json
import shutil

import pytest
from frictionless import validate

from analysis.inputs import paths
from analysis.report import datapackage


@pytest.fixture
def site_data(tmp_path):
    datapackage.write_data_downloads(tmp_path)
    return tmp_path / "_static" / "data"


def _errors(report) -> list[str]:
    return [e.type for task in report.tasks for e in task.errors] + [e.type for e in report.errors]


def test_every_data_file_is_a_resource_and_copied(site_data):
    descriptor = json.loads((site_data / "datapackage.json").read_text(encoding="utf-8"))
    listed = sorted(r["path"] for r in descriptor["resources"])
    assert listed == datapackage.data_files() and len(listed) > 10
    for relative in listed:
        assert (site_data / relative).read_bytes() == (paths.DATA / relative).read_bytes()
    names = [r["name"] for r in descriptor["resources"]]
    assert len(set(names)) == len(names)


def test_package_is_valid(site_data):
    report = validate(str(site_data / "datapackage.json"))
    assert report.valid, _errors(report)


def test_a_broken_cell_makes_it_invalid(site_data):
    studies = site_data / "meta_analysis" / "studies.csv"
    lines = studies.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split(",")
    assert "design" in header
    text = "".join(lines)
    first_design = next(v for v in ("rct-arm", "phase3-single-arm", "phase2-single-arm") if f",{v}," in text)
    studies.write_text(text.replace(f",{first_design},", ",banana,", 1), encoding="utf-8")
    report = validate(str(site_data / "datapackage.json"))
    assert not report.valid
    assert "constraint-error" in _errors(report) or "hash-count" in _errors(report)


def test_a_tampered_yaml_file_makes_it_invalid(site_data):
    (site_data / "claims.yaml").write_text("claims: []\n", encoding="utf-8")
    report = validate(str(site_data / "datapackage.json"))
    assert not report.valid


def test_table_schema_from_the_pandera_schema():
    schema = datapackage.table_schema("meta_analysis/studies.csv")
    fields = {f["name"]: f for f in schema["fields"]}
    assert schema["primaryKey"] == ["study_id"]
    assert fields["study_id"]["constraints"]["required"] is True
    assert fields["cr_events"]["type"] == "integer" and fields["cr_events"]["constraints"]["minimum"] == 0
    assert fields["cr_derived"]["type"] == "boolean"
    assert "rct-arm" in fields["design"]["constraints"]["enum"] and "" not in fields["design"]["constraints"]["enum"]
    assert fields["doi"]["constraints"]["pattern"].startswith("(10")
    assert "required" not in fields.get("journal", {}).get("constraints", {})


def test_every_data_file_has_a_schema():
    assert datapackage.undescribed_files() == []


def test_an_undescribed_file_is_named(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    (data / "mystery.bin").write_bytes(b"\0")
    (problem,) = datapackage.undescribed_files(data)
    assert problem.startswith("data/mystery.bin: file: no schema describes this file")
    resource = next(r for r in datapackage.package(data)["resources"] if r["path"] == "mystery.bin")
    assert resource["description"] == f"Structure: {datapackage.UNDESCRIBED}."
