"""The review store: schema and migrations, import, breadth and talk time, re-run matching.

Every test runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set
(``eval "$(bash .ci/postgres.sh)"``). Results are small hand-made dicts; no model runs.
The database fixtures (``db_url``, ``engine``) live in conftest.py; this module holds the
builders the other store test modules import.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from synth.store import ConveningSpec, import_result, init_db, make_engine, queries, transaction
from synth.store.matching import Members, match_themes
from synth.store.result import parse_result, with_vectors
from synth.store.schema import Base, Membership, StoredTheme

ROSTER = [
    {"name": "Ana", "company": "Acme Welding", "role": "business"},
    {"name": "Ben", "company": "Bolt Fab", "role": "business"},
    {"name": "Cy", "company": "Cobalt Machining", "role": "business"},
    {"name": "Pat", "company": "North College", "role": "public"},
    {"name": "Fay", "company": "Workforce Board", "role": "facilitator"},
]
SPEAKERS = ["Ana", "Ben", "Cy", "Pat", "Fay"]


def rec_id(name: str) -> str:
    """The recording id (16 hex digits, as synth writes them) of a test's short name ``r1``."""
    if re.fullmatch("[0-9a-f]{16}", name):
        return name
    return hashlib.sha256(name.encode()).hexdigest()[:16]


def statement(i: int, *, recording: str = "r1", speaker: str | None = None,
              text_: str | None = None, kind: str = "need") -> dict[str, Any]:
    """One statement of a result; ``s07`` is said by SPEAKERS[7 % 5] unless told."""
    return {"id": f"s{i:02d}", "text": text_ or f"statement number {i} about the workforce",
            "speaker": speaker if speaker is not None else SPEAKERS[i % len(SPEAKERS)],
            "start": 10.0 * i, "end": 10.0 * i + 6.0, "recording": rec_id(recording), "line": None,
            "turn": i, "kind": kind, "clusterable": True, "theme": None}


def result(themes: Mapping[str, Sequence[int]], *, n: int = 20,
           recordings: Mapping[str, Sequence[int]] | None = None,
           roster: Sequence[dict[str, Any]] = ROSTER,
           speakers: Mapping[int, str] | None = None) -> dict[str, Any]:
    """A result dict: ``n`` statements, themes by statement number, recordings by number."""
    recordings = recordings or {"r1": range(n)}
    where = {i: rec for rec, nums in recordings.items() for i in nums}
    speakers = speakers or {}
    out_themes = []
    for key, nums in themes.items():
        out_themes.append({"id": key, "rank": len(out_themes) + 1, "label": f"label {key}",
                           "label_generated": True, "keywords": [key, "work"],
                           "statement_ids": [f"s{i:02d}" for i in nums],
                           "statement_count": len(nums), "speakers": [], "breadth": 0,
                           "companies": [], "talk_share": 0.0, "stability": 0.7, "kinds": {},
                           "quotes": []})
    return {
        "schema": 1,
        "recordings": [{"id": rec_id(rec), "name": f"{rec}.ogg", "kind": "audio", "duration": 600.0,
                        "sha256": "", "language": "en", "model": "base", "turns": 1,
                        "removed": []} for rec in recordings],
        "participants": list(roster),
        "talk_time_by_role": {"business": 0.6, "public": 0.2, "facilitator": 0.2},
        "statements": [statement(i, recording=where[i], speaker=speakers.get(i))
                       for i in sorted(where)],
        "themes": out_themes,
    }


def load(engine: Engine, data: dict[str, Any], convening: int | str = "Launch", *,
         vectors: dict[str, Any] | None = None, **kw: Any):
    """Import ``data`` (a result's JSON, with ``vectors`` if given) into a convening (a title
    creates it)."""
    ref = ConveningSpec(convening, industry="manufacturing", region="North Bay") \
        if isinstance(convening, str) else convening
    return import_result(engine, with_vectors(parse_result(data), vectors or {}),
                         convening=ref, **kw)


def state(engine: Engine, convening_id: int) -> dict[str, Any]:
    """Everything a review can change, for before/after comparisons."""
    with transaction(engine) as s:
        themes = {t.id: (t.status, t.label, t.label_generated, tuple(t.keywords), t.merged_into,
                         t.edited)
                  for t in queries.themes_of(s, convening_id)}
        members = {sid: (m.theme_id, m.pinned)
                   for sid, m in queries.memberships(s, convening_id).items()}
        speakers = {k: (v.name, v.merged_into, v.participant_id)
                    for k, v in queries.speakers_of(s, convening_id).items()}
    return {"themes": themes, "members": members, "speakers": speakers}


def by_label(engine: Engine, convening_id: int) -> dict[str, queries.ThemeSummary]:
    """Theme summaries (all statuses) by label."""
    with transaction(engine) as s:
        return {t.label: t for t in queries.theme_summaries(s, convening_id, include_all=True)}


def theme_id(engine: Engine, convening_id: int, key: str) -> int:
    """The store id of the theme imported from result theme ``key``."""
    with transaction(engine) as s:
        return next(t.id for t in queries.themes_of(s, convening_id) if t.source_key == key)


# --- schema and migrations ----------------------------------------------------------------


def head(engine: Engine) -> str | None:
    """The newest migration's revision: the one ``init_db`` brings a database to."""
    from alembic.script import ScriptDirectory

    from synth.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def test_migrations_match_the_models_and_rerun_is_a_no_op(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    init_db(engine)  # a second upgrade changes nothing
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version == head(engine)


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path) -> None:
    e = make_engine(f"sqlite:///{tmp_path / 'new' / 'x.db'}", busy_timeout_s=7)
    init_db(e)  # from an empty file, folders made as needed
    with e.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 7000


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path) -> None:
    from synth import settings
    from synth.store import database_url

    monkeypatch.delenv("SYNTH_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert settings.load().database_url == f"sqlite:///{tmp_path / 'synth' / 'synth.db'}"
    monkeypatch.setenv("SYNTH_DATABASE_URL", "postgresql+psycopg://u:p@h/db")
    assert database_url() == "postgresql+psycopg://u:p@h/db"
    assert database_url("sqlite:///x.db") == "sqlite:///x.db"


# --- import -------------------------------------------------------------------------------


def test_import_stores_statements_verbatim_and_themes(engine: Engine) -> None:
    data = result({"t1": [0, 1, 2], "t2": [5, 6]})
    data["statements"][3]["text"] = "We can't  hire *welders* — 40% short"
    report = load(engine, data)
    assert (report.statements_added, report.themes_new, report.themes_matched) == (20, 2, 0)
    with transaction(engine) as s:
        stored = queries.statements_of(s, report.convening_id)
        assert stored["s03"].text == "We can't  hire *welders* — 40% short"
        assert [st.id for st in stored.values()] == [f"s{i:02d}" for i in range(20)]
        assert queries.speakers_of(s, report.convening_id)["Ana"].participant_id is not None
        assert len(queries.runs_of(s, report.convening_id)) == 1
        assert [a.action for a in queries.audit_of(s, report.convening_id)] == ["import"]
    themes = by_label(engine, report.convening_id)
    assert themes["label t1"].statement_ids == ("s00", "s01", "s02")
    assert themes["label t2"].statement_ids == ("s05", "s06")


def test_breadth_counts_business_leaders_not_statements(engine: Engine) -> None:
    # t_loud: six statements, all by Ana; t_wide: three statements by three companies.
    loud = {i: "Ana" for i in range(6)}
    wide = {6: "Ana", 7: "Ben", 8: "Cy", 9: "Pat", 10: "Fay"}
    data = result({"t_loud": range(6), "t_wide": range(6, 11)}, speakers=loud | wide)
    report = load(engine, data)
    themes = by_label(engine, report.convening_id)
    assert themes["label t_wide"].breadth == 3  # the public partner and facilitator don't count
    assert themes["label t_wide"].companies == ("Acme Welding", "Bolt Fab", "Cobalt Machining")
    assert themes["label t_loud"].breadth == 1
    assert (themes["label t_wide"].rank, themes["label t_loud"].rank) == (1, 2)


def test_a_theme_read_back_in_the_recap_ranks_first(engine: Engine) -> None:
    # t_wide has more business leaders, but the room confirmed t_loud in the facilitator's
    # recap: the app ranks it first, as the pipeline does. A result from before the field
    # existed has no theme read back, and breadth alone ranks it.
    speakers = {i: "Ana" for i in range(6)} | {6: "Ana", 7: "Ben", 8: "Cy"}
    data = result({"t_wide": range(6, 9), "t_loud": range(6)}, speakers=speakers)
    old = load(engine, data, "Before")
    data["themes"][1]["read_back"] = True
    new = load(engine, data, "After")
    ranks = {c: {label: t.rank for label, t in by_label(engine, c).items()}
             for c in (old.convening_id, new.convening_id)}
    assert ranks[old.convening_id] == {"label t_wide": 1, "label t_loud": 2}
    assert ranks[new.convening_id] == {"label t_loud": 1, "label t_wide": 2}
    assert by_label(engine, new.convening_id)["label t_loud"].read_back


def test_the_cards_and_the_exports_show_the_quotes_the_pipeline_picked(engine: Engine) -> None:
    # The pipeline picked s05, s08, s02 with the statements' embeddings and the theme's name,
    # which the stored rows lack. By the rows alone the rule takes business leaders, then the
    # earliest: s00, s01, s02 (the control, a result from before the store kept the picks).
    from synth.decisions.review_view import quotes, read_convening
    from synth.errors import InputError
    from synth.export.results import priority_quotes
    from synth.store.schema import StoredConvening

    data = result({"t1": range(10)})
    for st in data["statements"]:
        st["text"] = f"Statement {st['id']} says we need more trained welders on every shift."
    old = load(engine, data, "Before")
    data["themes"][0]["quotes"] = [{"statement_id": sid} for sid in ("s05", "s08", "s02")]
    new = load(engine, data, "After")
    picked = {}
    for report in (old, new):
        view = read_convening(engine, report.convening_id)
        theme = next(t for t in view.themes if t.label == "label t1")
        with transaction(engine) as s:
            exported = priority_quotes(s, s.get(StoredConvening, report.convening_id),
                                       [theme.id])[theme.id]
        picked[report] = [x.id for x in quotes(view, theme)]
        assert [q.text for q in exported] == [view.statements[i].text for i in picked[report]]
    assert picked[old] == ["s00", "s01", "s02"]
    assert picked[new] == ["s05", "s08", "s02"]
    # a quote must be one of the theme's own statements
    data["themes"][0]["quotes"] = [{"statement_id": "s15"}]
    try:
        parse_result(data)
    except InputError as e:
        assert "quotes statement" in str(e) and "not one of its statements" in str(e)
    else:
        raise AssertionError("a quote outside its theme was accepted")


def test_breadth_falls_back_to_distinct_speakers_without_a_roster(engine: Engine) -> None:
    speakers = {0: "SPEAKER_0", 1: "SPEAKER_1", 2: "SPEAKER_1", 3: "SPEAKER_2"}
    data = result({"t1": [0, 1, 2, 3]}, n=4, roster=[], speakers=speakers)
    report = load(engine, data)
    assert by_label(engine, report.convening_id)["label t1"].breadth == 3


def test_talk_time_by_business_public_and_facilitators(engine: Engine) -> None:
    report = load(engine, result({"t1": [0, 1]}, n=10))
    with transaction(engine) as s:
        talk = queries.talk_time(s, report.convening_id)
    # 10 statements of 6 s, two each by Ana, Ben, Cy (business), Pat (public), Fay (facilitator)
    assert talk.seconds == {"business": 36.0, "public": 12.0, "facilitator": 12.0}
    assert talk.shares["business"] == 0.6
    assert talk.business_outnumbers_public


def test_importing_the_same_result_twice_changes_nothing(engine: Engine) -> None:
    data = result({"t1": [0, 1, 2], "t2": [5, 6, 7]})
    first = load(engine, data)
    before = state(engine, first.convening_id)
    with transaction(engine) as s:
        versions = {t.id: t.version for t in queries.themes_of(s, first.convening_id)}
    again = load(engine, data)
    assert again.convening_id == first.convening_id
    assert (again.statements_added, again.themes_matched, again.themes_new) == (0, 2, 0)
    assert state(engine, first.convening_id) == before
    with transaction(engine) as s:
        assert {t.id: t.version for t in queries.themes_of(s, first.convening_id)} == versions


# --- re-runs keep decisions ---------------------------------------------------------------


def test_rerun_keeps_confirmed_renamed_merged_moved_and_discarded(engine: Engine) -> None:
    from synth.decisions import review

    a = result({"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8, 9],
                "rent": [10, 11], "noise": [12, 13, 14]}, n=20)
    conv = load(engine, a).convening_id
    hire, care, house, rent, noise = (theme_id(engine, conv, k)
                                      for k in ("hire", "care", "house", "rent", "noise"))
    review.confirm(engine, hire)
    review.rename(engine, care, "Childcare for shift workers")
    review.merge(engine, [house, rent], label="Housing")
    review.move(engine, ["s03"], care)  # the facilitator moves one statement by hand
    review.discard(engine, noise)

    # B: a second recording (statements 20-25), and a different clustering: "house" and
    # "rent" come apart again, s03 is back with hire, noise comes back, s15 is new to care.
    b = result({"hire2": [0, 1, 2, 3, 20, 21], "care2": [4, 5, 6, 15, 22],
                "house2": [7, 8, 9], "rent2": [10, 11, 23], "noise2": [12, 13, 14],
                "new": [16, 17, 24, 25]},
               n=26, recordings={"r1": range(20), "r2": range(20, 26)})
    report = load(engine, b, conv)
    assert report.statements_added == 6

    themes = by_label(engine, conv)
    assert themes["label hire"].status == "confirmed"
    assert themes["label hire"].statement_ids == ("s00", "s01", "s02", "s20", "s21")
    care_now = themes["Childcare for shift workers"]
    assert care_now.statement_ids == ("s03", "s04", "s05", "s06", "s15", "s22")
    assert care_now.pinned == ("s03",)
    assert themes["Housing"].statement_ids == ("s07", "s08", "s09", "s10", "s11", "s23")
    assert themes["label rent"].status == "merged"
    assert themes["label rent"].statement_ids == ()
    assert themes["label noise"].status == "discarded"
    assert themes["label new"].status == "candidate"
    assert themes["label new"].statement_ids == ("s16", "s17", "s24", "s25")
    assert len(themes) == 6


def test_rerun_replaces_untouched_candidates_and_keeps_pinned_out(engine: Engine) -> None:
    from synth.decisions import review

    conv = load(engine, result({"a": [0, 1, 2], "b": [3, 4, 5], "gone": [6, 7]})).convening_id
    a = theme_id(engine, conv, "a")
    review.move(engine, ["s05"], None, convening_id=conv)  # out of every theme, by hand
    report = load(engine, result({"a2": [0, 1, 2, 8], "b2": [3, 4, 5], "c": [10, 11, 12]}), conv)
    themes = by_label(engine, conv)
    assert themes["label a2"].id == a  # untouched: follows the re-run, label included
    assert themes["label a2"].statement_ids == ("s00", "s01", "s02", "s08")
    # Taking s05 out was a decision about b: b keeps its label and members, without s05.
    assert themes["label b"].statement_ids == ("s03", "s04")
    assert "label gone" not in themes and themes["label c"].status == "candidate"
    assert (report.themes_new, report.themes_dropped) == (1, 1)


def test_rerun_matches_by_centroid_when_statements_are_all_new(engine: Engine) -> None:
    from synth.decisions import review

    rng = np.random.default_rng(0)
    topic_a, topic_b = rng.normal(size=16), rng.normal(size=16)
    vecs = {f"s{i:02d}": (topic_a if i < 10 else topic_b) + 0.05 * rng.normal(size=16)
            for i in range(20)}
    vecs = {k: v / np.linalg.norm(v) for k, v in vecs.items()}
    conv = load(engine, result({"a": [0, 1, 2], "b": [10, 11, 12]}),
                vectors={k: vecs[k] for k in vecs if int(k[1:]) in (0, 1, 2, 10, 11, 12)}
                ).convening_id
    review.rename(engine, theme_id(engine, conv, "a"), "Apprenticeships")
    # The re-run finds topic A only among statements it had not clustered before.
    load(engine, result({"a_new": [5, 6, 7]}), conv, vectors=vecs)
    themes = by_label(engine, conv)
    assert themes["Apprenticeships"].statement_ids == ("s00", "s01", "s02", "s05", "s06", "s07")


def test_matching_rule() -> None:
    old = [Members(1, frozenset({"a", "b", "c", "d"})), Members(2, frozenset({"x", "y"}))]
    new = [Members("grown", frozenset({"a", "b", "c", "d", "e", "f", "g", "h"})),
           Members("part", frozenset({"a", "q"})), Members("other", frozenset({"m", "n"})),
           Members("piece", frozenset({"x"}))]
    assert match_themes(new, old) == {"grown": 1, "part": 1, "piece": 2}
    v = np.array([1.0, 0.0])
    near = [Members(1, frozenset({"a"}), v)]
    assert match_themes([Members("n", frozenset({"z"}), v)], near) == {"n": 1}
    assert match_themes([Members("n", frozenset({"z"}), np.array([0.0, 1.0]))], near) == {}


def test_store_rows_follow_the_result(engine: Engine) -> None:
    report = load(engine, result({"t1": [0, 1]}, n=3))
    with transaction(engine) as s:
        assert queries.count(s, Membership, report.convening_id) == 2
        assert queries.count(s, StoredTheme, report.convening_id) == 1


def test_convening_titles_and_partnership_names_are_single_line(engine: Engine) -> None:
    """Issue 26: a title with a line break reached the email export's header; titles are
    single-line everywhere, from the moment they are stored."""
    spec = ConveningSpec("Launch\r\nBcc: evil@example.com\u2028", industry="Metal\nwork",
                         region="North\x85Bay")
    conv = import_result(engine, parse_result(result({"t": [0, 1]}, n=3)),
                         convening=spec).convening_id
    with transaction(engine) as s:
        c = queries.get_convening(s, conv)
        assert c.title == "Launch Bcc: evil@example.com"
        (row,) = [p for cc, p in queries.list_convenings(s) if cc.id == conv]
        assert (row.industry, row.region) == ("Metal work", "North Bay")
        assert queries.find_convening(s, "Launch\nBcc: evil@example.com").id == conv
