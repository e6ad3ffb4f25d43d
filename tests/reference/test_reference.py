"""Reference data: loaded once, validated, and a bad file stops start-up clearly."""

from __future__ import annotations

import pytest

from academy import create_app
from academy.reference import ReferenceDataError, load_reference
from tests.conftest import app_settings


def test_reference_data_loads(app):
    """Are the five steps and every vocabulary there, in their files' order?"""
    ref = app.extensions["academy.reference"]
    assert ref.escalator.keys == ["ground", "awareness", "understanding", "expertise", "leadership"]
    assert ref.escalator.above("awareness").key == "understanding"
    assert ref.escalator.above("leadership") is None
    assert ref.escalator.below("ground") is None
    assert ref.audiences.keys[0] == "open_to_all"
    assert len(ref.ee_values) == 10
    assert {"online", "england", "scotland", "wales", "northern_ireland", "london"} <= set(
        ref.regions.keys
    )
    assert ref.formats.get("self_paced").mode == "online"


def test_vocabularies_resolve_keys_and_labels(app):
    """Can an import cell give a key or a label in any case?"""
    ref = app.extensions["academy.reference"]
    assert ref.sectors.resolve("Prisons and probation") == "criminal_justice"
    assert ref.sectors.resolve("  CRIMINAL_JUSTICE ") == "criminal_justice"
    assert ref.sectors.resolve("space") is None
    assert ref.escalator.resolve("Developing understanding") == "understanding"
    assert ref.regions.label("nowhere") == "nowhere"


def test_reference_data_is_loaded_once(app, data_dir):
    """Is a folder read once however many apps start?"""
    assert load_reference(str(data_dir)) is load_reference(str(data_dir))


@pytest.mark.parametrize(
    ("file", "breakage", "expected"),
    [
        (
            "sectors.toml",
            lambda t: t.replace('key = "housing"', 'key = "health"'),
            ["sectors.toml", "'health'", "used twice"],
        ),
        (
            "regions.toml",
            lambda t: t.replace('key = "london"', 'key = "Greater London"'),
            ["regions.toml", "'Greater London'"],
        ),
        (
            "formats.toml",
            lambda t: t.replace('label = "Workshop (a day or less)"', ""),
            ["formats.toml", "'workshop'", "'label'"],
        ),
        (
            "escalator.toml",
            lambda t: t.replace("order = 3", "order = 2"),
            ["escalator.toml", "order"],
        ),
        (
            "escalator.toml",
            lambda t: t.replace('tagline = "Interest and aptitude, no specific training yet"', ""),
            ["escalator.toml", "'ground'", "'tagline'"],
        ),
        ("audiences.toml", lambda t: t + "\n[[term\n", ["audiences.toml", "not valid TOML"]),
        ("ee_values.toml", lambda t: "# nothing here\n", ["ee_values.toml", "no [[term]] entries"]),
    ],
)
def test_a_bad_file_stops_start_up_naming_file_and_key(
    data_dir, database_url, file, breakage, expected
):
    """Does a broken reference file stop the app with a message naming the file and the key?"""
    path = data_dir / file
    path.write_text(breakage(path.read_text()))
    with pytest.raises(ReferenceDataError) as error:
        create_app(app_settings(database_url, DATA_DIR=str(data_dir)))
    for fragment in expected:
        assert fragment in str(error.value)


def test_a_missing_file_stops_start_up(data_dir, database_url):
    """Does a missing vocabulary file stop start-up, naming it?"""
    (data_dir / "regions.toml").unlink()
    with pytest.raises(ReferenceDataError, match="regions.toml: file not found"):
        create_app(app_settings(database_url, DATA_DIR=str(data_dir)))
