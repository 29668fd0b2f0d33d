"""The list of commonly named priorities: the shipped file, clear messages for bad files, and
which theme a list entry is suggested for (hand-made unit vectors)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synth.errors import InputError
from synth.themes.priorities import (
    MIN_MARGIN,
    MIN_SIMILARITY,
    Priority,
    PriorityList,
    default_path,
    load_priorities,
    suggest,
)

GOOD = {"name": "Childcare", "description": "Night shift parents have no childcare options."}
SHAPE = '{"priorities": [{"name": ..., "description": ...}, ...]}'


def _write(tmp_path: Path, content: object, name: str = "mine.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content),
                    encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_priorities(path)
    message = str(info.value)
    assert message.startswith(str(path)), message  # names the file
    return message


# --------------------------------------------------------------------------- the shipped list


def test_shipped_list_loads_with_unique_names_and_descriptions() -> None:
    path = default_path()
    assert path.name == "priorities.json" and path.parent.name == "data" and path.is_file()
    entries = load_priorities()
    assert entries == load_priorities(path)  # None means the shipped file
    assert len(entries) >= 10
    names = [p.name.lower() for p in entries]
    assert len(set(names)) == len(names)
    for p in entries:
        assert isinstance(p, Priority)
        assert p.name == " ".join(p.name.split()) and 0 < len(p.name) <= 60
        assert len(p.description.split()) >= 3
        assert p.text == f"{p.name}. {p.description}"
    # the issue's examples of what partnerships commonly name are there
    for expected in ("Childcare", "Workforce housing", "Broadband", "Upskilling current workers"):
        assert expected in [p.name for p in entries]


def test_own_list_is_read_and_whitespace_tidied(tmp_path: Path) -> None:
    path = _write(tmp_path, {"about": "ours", "priorities": [
        {"name": "  Welder\n pipeline ", "description": "We cannot   find\twelders."},
        GOOD,
    ]})
    assert load_priorities(path) == (
        Priority("Welder pipeline", "We cannot find welders."),
        Priority("Childcare", GOOD["description"]),
    )
    assert load_priorities(str(path))[0].name == "Welder pipeline"  # a str path works too


def test_list_saved_with_a_byte_order_mark_loads(tmp_path: Path) -> None:
    """Notepad saves UTF-8 with a BOM; that is still a good UTF-8 JSON file."""
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"priorities": [GOOD]}).encode())
    assert [p.name for p in load_priorities(path)] == ["Childcare"]


# --------------------------------------------------------------------------- bad files


def test_missing_file(tmp_path: Path) -> None:
    message = _error(tmp_path / "nope.json")
    assert "no such priority list file" in message
    assert "Check the path" in message


def test_folder_instead_of_a_file(tmp_path: Path) -> None:
    message = _error(tmp_path)
    assert "is a folder" in message and "JSON file itself" in message


@pytest.mark.parametrize("content", ["", "   \n\n"])
def test_empty_file(tmp_path: Path, content: str) -> None:
    message = _error(_write(tmp_path, content))
    assert "is empty" in message and SHAPE in message


def test_not_json(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, '{"priorities": [{"name": "A" "description": "x y z"}]}'))
    assert "not a JSON priority list" in message
    assert "line 1 column 30" in message  # where the comma is missing
    assert "Fix the JSON" in message and SHAPE in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.json"
    path.write_bytes(b'{"priorities": [{"name": "Caf\xe9", "description": "a b c"}]}')
    message = _error(path)
    assert "not a text file in UTF-8" in message and "Save" in message


@pytest.mark.parametrize(
    "content",
    [
        [GOOD],  # a bare list: the entries must sit under "priorities"
        {"entries": [GOOD]},  # wrong key
        {"priorities": GOOD},  # one object, not a list
        {"priorities": []},  # no entry at all
        "42",
        "null",
    ],
    ids=["bare-list", "wrong-key", "not-a-list", "empty-list", "number", "null"],
)
def test_wrong_top_level_shape(tmp_path: Path, content: object) -> None:
    message = _error(_write(tmp_path, content))
    assert f"expected {SHAPE} with at least one entry" in message


def test_entry_not_an_object(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, {"priorities": [GOOD, "Broadband"]}))
    assert "entry 2 is not an object with a name and a description" in message


@pytest.mark.parametrize(
    "entry",
    [
        {"description": "No name was given for this one."},
        {"name": "", "description": "An empty name."},
        {"name": "   \t", "description": "A name of blanks only."},
        {"name": 7, "description": "A number as the name."},
        {"name": None, "description": "A null name."},
    ],
    ids=["missing", "empty", "blank", "number", "null"],
)
def test_entry_without_a_name(tmp_path: Path, entry: dict) -> None:
    message = _error(_write(tmp_path, {"priorities": [GOOD, entry]}))
    assert "entry 2 has no name" in message and 'such as "Childcare"' in message


@pytest.mark.parametrize(
    "description",
    [None, 12, ["a", "list", "of", "words"], "", "Too short"],
    ids=["missing", "number", "list", "empty", "two-words"],
)
def test_bad_description(tmp_path: Path, description: object) -> None:
    entry = {"name": "Broadband"}
    if description is not None:
        entry["description"] = description
    message = _error(_write(tmp_path, {"priorities": [entry]}))
    assert "entry 1 (Broadband): the description needs a few words" in message


def test_name_too_long(tmp_path: Path) -> None:
    name = "Hiring " * 10  # 69 characters once tidied
    message = _error(_write(tmp_path, {"priorities": [{"name": name, "description": "a b c"}]}))
    assert "entry 1 (Hiring Hiring Hiring Hiring Hi...): the name is over 60 characters" in message
    assert "put the rest in the description" in message


def test_duplicate_names_ignoring_case_and_spaces(tmp_path: Path) -> None:
    other = {"name": "Broadband", "description": "Rural internet is too slow."}
    dup = {"name": "  childcare ", "description": "The same priority again, by another hand."}
    message = _error(_write(tmp_path, {"priorities": [GOOD, other, dup]}))
    assert "entry 3: 'childcare' is listed twice (entry 1 has the same name)" in message
    assert "keep one entry per name" in message


# --------------------------------------------------------------------------- suggestions


def _unit(*rows: list[float]) -> np.ndarray:
    x = np.array(rows, dtype=np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


ENTRIES = (
    Priority("Childcare", "a b c"),
    Priority("Broadband", "a b c"),
    Priority("Workforce housing", "a b c"),
)
# entry i points along axis i of a 4-d space; axis 3 belongs to no entry
LIST = PriorityList(entries=ENTRIES, vectors=np.eye(4)[:3])


def test_thresholds_are_the_documented_ones() -> None:
    assert (MIN_SIMILARITY, MIN_MARGIN) == (0.45, 0.03)


def test_theme_close_to_one_entry_gets_it() -> None:
    # (0.9, 0.3, 0.1, 0) / |.| : cosine 0.9435 with Childcare, 0.3145 with Broadband
    out = suggest(_unit([0.9, 0.3, 0.1, 0.0]), LIST)
    assert out == [ENTRIES[0]]


def test_no_suggestion_below_the_similarity_floor_or_within_the_margin() -> None:
    centroids = np.array([
        [0.44, 0.0, 0.0, np.sqrt(1 - 0.44**2)],  # best cosine 0.44 < 0.45: too far from all
        [0.0, 0.46, 0.0, np.sqrt(1 - 0.46**2)],  # Broadband 0.46 >= 0.45, margin 0.46
        _unit([1.0, 1.0, 0.0, 0.0])[0],  # 0.707 with two entries: margin 0, ambiguous
        [0.70, 0.68, 0.0, np.sqrt(1 - 0.70**2 - 0.68**2)],  # margin 0.02 < 0.03
        [0.70, 0.66, 0.0, np.sqrt(1 - 0.70**2 - 0.66**2)],  # margin 0.04 >= 0.03
    ])
    # rows 3 and 4 are equally close to Childcare; row 3 fails the margin, so it does not
    # take the entry from row 4
    assert suggest(centroids, LIST) == [None, ENTRIES[1], None, None, ENTRIES[0]]


def test_one_entry_goes_to_the_closer_of_two_themes_only() -> None:
    near = _unit([0.95, 0.1, 0.0, 0.0])  # cosine 0.9945 with Childcare
    far = _unit([0.80, 0.0, 0.0, 0.6])  # cosine 0.80 with Childcare, margin 0.80
    housing = _unit([0.1, 0.0, 0.9, 0.0])  # Workforce housing, unaffected
    assert suggest(np.vstack([far, near, housing]), LIST) == [None, ENTRIES[0], ENTRIES[2]]
    assert suggest(np.vstack([near, far, housing]), LIST) == [ENTRIES[0], None, ENTRIES[2]]
    # the second theme does not fall back to its second-best entry
    assert suggest(np.vstack([near, _unit([0.8, 0.5, 0.0, 0.0])]), LIST) == [ENTRIES[0], None]


def test_equally_close_themes_go_to_the_earlier_one() -> None:
    a = _unit([0.9, 0.0, 0.0, 0.3])
    b = a.copy()
    assert suggest(np.vstack([a, b]), LIST) == [ENTRIES[0], None]


def test_no_list_no_entries_no_themes() -> None:
    one = _unit([1.0, 0.0, 0.0, 0.0])
    assert suggest(one, None) == [None]
    assert suggest(one, PriorityList(entries=(), vectors=np.zeros((0, 4)))) == [None]
    assert suggest(np.zeros((0, 4)), LIST) == []


def test_a_single_entry_list_has_its_whole_cosine_as_margin() -> None:
    single = PriorityList(entries=ENTRIES[:1], vectors=np.eye(4)[:1])
    assert suggest(_unit([0.5, 0.0, 0.0, 0.8660254]), single) == [ENTRIES[0]]  # cosine 0.5
    assert suggest(_unit([0.4, 0.0, 0.0, 0.9165151]), single) == [None]  # cosine 0.4


def test_the_common_name_goes_before_the_rooms_words_unless_they_already_say_it() -> None:
    from synth.themes.candidates import _with_suggestion

    childcare = Priority("Childcare", "No care for second-shift parents.")
    housing = Priority("Workforce housing", "Staff cannot rent near the plant.")
    assert _with_suggestion("Backup care", childcare) == "Childcare (backup care)"
    assert _with_suggestion("CNC shop", childcare) == "Childcare (CNC shop)"  # acronym kept
    assert _with_suggestion("Housing study", housing) == "Workforce housing (housing study)"
    # the room's phrase holds every word of the name: "Childcare (evening childcare)" repeats
    assert _with_suggestion("Evening childcare", childcare) == "Evening childcare"
    assert _with_suggestion("Workforce housing funds", housing) == "Workforce housing funds"
    assert _with_suggestion("Other talk", childcare) == "Childcare"
    assert _with_suggestion("Backup care", None) == "Backup care"
