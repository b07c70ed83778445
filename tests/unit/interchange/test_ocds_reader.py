"""Reading OCDS files of every shape, and the per-release checks."""

import gzip
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from catalogue_app.interchange.ocds import cpv
from catalogue_app.interchange.ocds.reader import FileInfo, NotOcdsError, files_under, read_file
from catalogue_app.interchange.ocds.releases import canonical_json, parse_date, prepare
from catalogue_app.interchange.ocds.schema import release_schema, schema_problems

FIXTURES = Path(__file__).parents[2] / "fixtures" / "ocds"
MESSY = FIXTURES / "messy"
CF = FIXTURES / "contracts-finder-2025-01-20_23.json"


def read(path):
    info = FileInfo(path)
    return [prepare(raw, info.marked) for raw in read_file(path, info)], info


def test_release_package_streams_every_release_with_its_publisher():
    releases, info = read(CF)
    assert info.shape == "release package"
    assert info.publisher == "Cabinet Office"
    assert len(releases) == 100
    assert [r.position for r in releases] == list(range(1, 101))
    assert all(r.publisher == "Cabinet Office" for r in releases)


@pytest.mark.parametrize(
    ("name", "shape", "count"),
    [
        ("record-package.json", "record package", 2),
        ("releases.jsonl", "JSON Lines", 4),
        ("releases.jsonl.gz", "JSON Lines", 2),
        ("utf-16.json", "release package", 1),
    ],
)
def test_other_shapes(name, shape, count):
    releases, info = read(MESSY / name)
    assert info.shape == shape
    assert len(releases) == count


def test_a_single_release_and_a_list_of_releases(tmp_path):
    release = {"ocid": "ocds-x-1", "id": "1", "date": "2025-01-01T00:00:00Z", "tag": ["tender"]}
    one = tmp_path / "one.json"
    one.write_text(json.dumps(release))
    many = tmp_path / "many.json"
    many.write_text(json.dumps([release, {**release, "id": "2"}]))
    assert [r.release_id for r in read(one)[0]] == ["1"]
    assert [r.release_id for r in read(many)[0]] == ["1", "2"]


def test_a_package_whose_list_comes_after_a_long_header_is_still_read(tmp_path):
    package = {"extensions": ["https://example.org/" + "x" * 100] * 1000, "releases": []}
    package["releases"] = [{"ocid": "ocds-x-1", "id": "1", "date": "2025-01-01", "tag": ["award"]}]
    path = tmp_path / "long.json"
    path.write_text(json.dumps(package))
    releases, info = read(path)
    assert info.shape == "release package" and len(releases) == 1


def test_a_folder_lists_its_ocds_files_in_name_order():
    names = [p.name for p in files_under(MESSY)]
    assert names == sorted(names)
    assert "releases.jsonl.gz" in names and "time-zones.json" in names


@pytest.mark.parametrize("name", ["not-ocds.json", "not-json.txt"])
def test_a_file_that_is_not_ocds_is_refused_in_one_sentence(name):
    with pytest.raises(NotOcdsError) as caught:
        read(FIXTURES / name)
    assert str(caught.value).startswith(f"The file {name} is not OCDS")


def test_a_cut_short_file_is_refused(tmp_path):
    text = CF.read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(Exception, match="breaks off after release"):
        read(path)


def test_leading_zeros_nan_and_infinity_become_warnings_not_failures():
    releases, info = read(MESSY / "amount-000-and-nan.json")
    assert info.marked
    zeros, nan = releases
    assert "awards[0].value.amount was written as 000; it was read as 0" in zeros.warnings
    assert json.loads(zeros.text)["awards"][0]["value"]["amount"] == 0
    assert any("was NaN, which is not a number" in w for w in nan.warnings)
    assert json.loads(nan.text)["awards"][0]["value"]["amount"] is None


def test_text_that_only_looks_like_a_bad_number_is_left_alone(tmp_path):
    release = {
        "ocid": "o",
        "id": "1",
        "date": "2025-01-01",
        "tag": ["tender"],
        "tender": {
            "id": "t",
            "title": "NaN bread, 007 and [0123]",
            "value": {"amount": 5, "currency": "GBP"},
        },
    }
    path = tmp_path / "text.json"
    path.write_text(json.dumps({"releases": [release], "note": ": 01"}))
    (prepared,), _info = read(path)
    assert json.loads(prepared.text)["tender"]["title"] == "NaN bread, 007 and [0123]"
    assert prepared.warnings == []


def test_windows_1252_text_is_read_and_flagged():
    (release,), _info = read(MESSY / "windows-1252.json")
    assert json.loads(release.text)["tender"]["title"] == "Café body armour – £5 each"
    assert any("not UTF-8" in w for w in release.warnings)


def test_missing_id_ocid_and_date_are_warnings():
    releases, _info = read(MESSY / "missing-ids.json")
    no_id, no_date, no_ocid = releases
    assert no_id.release_id.startswith("sha256:")
    assert "the release has no id; it is identified by its content" in no_id.warnings
    assert no_date.date is None and any("no date" in w for w in no_date.warnings)
    assert no_ocid.ocid == "" and any("no ocid" in w for w in no_ocid.warnings)


def test_canonical_json_and_its_hash_ignore_layout_and_keep_decimals_exact():
    a = {"b": Decimal("1018044.14"), "a": [1, "é"]}
    b = {"a": [1, "é"], "b": Decimal("1018044.140")}
    assert canonical_json(a) == canonical_json(b) == '{"a":[1,"é"],"b":1018044.14}'


def test_dates_are_normalised_to_utc():
    assert parse_date("2025-06-01T10:30:00+01:00") == datetime(2025, 6, 1, 9, 30, tzinfo=UTC)
    assert parse_date("2025-06-01T10:00:00Z") == datetime(2025, 6, 1, 10, tzinfo=UTC)
    assert parse_date("2025-06-01") == datetime(2025, 6, 1, tzinfo=UTC)
    assert parse_date("next Tuesday") is None


@pytest.mark.parametrize(
    ("published", "code"),
    [
        ("31000000", "31000000-6"),
        ("70000000-1", "70000000-1"),
        (31000000, "31000000-6"),
        ("45233130.0", "45233130-9"),
        (3000000, "03000000-1"),
        (Decimal("63712400"), "63712400-7"),
    ],
)
def test_cpv_codes_in_every_published_shape(published, code):
    found = cpv.lookup(published)
    assert found is not None and found[0] == code


@pytest.mark.parametrize("published", ["abc", "123", None, True, 31000000.5, "99999999"])
def test_cpv_codes_that_are_not_cpv(published):
    assert cpv.lookup(published) is None


def test_the_bundled_schema_checks_releases_offline():
    assert release_schema()["id"].endswith("/1__1__4/release-schema.json")
    good = json.loads(CF.read_text(encoding="utf-8"))["releases"][0]
    assert schema_problems(good) == []
    bad = {"ocid": 5, "tag": ["not-a-tag"], "date": "2025-01-01T00:00:00Z"}
    problems = schema_problems(bad)
    assert any("lacks id" in p for p in problems)
    assert any("ocid is not of the type" in p for p in problems)


def test_gzipped_packages_are_read(tmp_path):
    path = tmp_path / "cf.json.gz"
    path.write_bytes(gzip.compress(CF.read_bytes()))
    releases, info = read(path)
    assert len(releases) == 100 and info.shape == "release package"
