"""Setting a convening up: the store the app opens, the convenings to choose from, and what
the app writes before any recording is processed: a convening and its roster.

Imports create a convening and its roster as a side effect; the app lets a facilitator create
them up front, so a roster is there to map speakers to and to hand voter codes out from. The
app reaches the store only through services (this one and those of :mod:`synth.decisions` and
:mod:`synth.export`), each call one transaction; it never opens one itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from synth.errors import InputError
from synth.records import Participant
from synth.store import init_db, make_engine, queries, transaction
from synth.store.schema import CONVENING_KINDS, ROLES, StoredParticipant

if TYPE_CHECKING:
    from synth.themes.followup import KnownTopic

log = logging.getLogger(__name__)

# The kinds of convening and the roles on a roster the store accepts, for the app's choices.
__all__ = ["CONVENING_KINDS", "ROLES", "convenings", "create_convening", "known_topics",
           "open_store", "roster", "save_roster", "speaker_names"]


def open_store(url: str) -> Engine:
    """The store at ``url``, its schema created or upgraded first: a fresh install opens on an
    empty, ready database."""
    engine = make_engine(url)
    init_db(engine)
    return engine


def convenings(engine: Engine) -> list[tuple[int, str]]:
    """Every convening, newest first, as its id and the name a chooser shows:
    ``title - industry, region (date)``."""
    with transaction(engine) as s:
        return [(c.id, f"{c.title} - {p.industry}, {p.region} ({c.date})")
                for c, p in queries.list_convenings(s)]


def create_convening(engine: Engine, *, title: str, industry: str, region: str,
                     date: dt.date | None = None, kind: str = "launch") -> int:
    """The id of the partnership's convening with this title, created (with it) if new."""
    title, industry, region = (" ".join(v.split()) for v in (title, industry, region))
    if not (title and industry and region):
        raise InputError("a convening needs a title, and its partnership an industry and a "
                         "region.")
    if kind not in CONVENING_KINDS:
        raise InputError(f"unknown convening kind {kind!r}; use one of "
                         f"{', '.join(CONVENING_KINDS)}.")
    with transaction(engine) as s:
        conv = queries.find_or_create_convening(s, title=title, industry=industry, region=region,
                                                date=date or dt.date.today(), kind=kind)
        log.info("convening %d: %s (%s, %s)", conv.id, title, industry, region)
        return conv.id


def roster(engine: Engine, convening_id: int) -> list[Participant]:
    """The roster of the convening's partnership, by name."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        rows = queries.roster_of(s, conv.partnership_id).values()
        return sorted((Participant(p.name, p.company, p.role) for p in rows),  # type: ignore[arg-type]
                      key=lambda p: p.name)


def speaker_names(engine: Engine, convening_id: int) -> dict[str, str]:
    """Speaker label -> the roster name a facilitator mapped it to (through merges), so a
    re-run of the pipeline knows who is a facilitator and who a business leader."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        return {label: who.name for label, who in queries.resolve_speakers(s, conv).items()
                if who.participant_id is not None}


def save_roster(engine: Engine, convening_id: int, people: Sequence[Participant]) -> int:
    """Add or update people on the partnership's roster; returns how many were saved.

    Nobody is removed: earlier convenings' speakers may still point at them.
    """
    names = [p.name.strip() for p in people]
    if any(not n for n in names):
        raise InputError("every person on the roster needs a name.")
    if len(set(names)) != len(names):
        raise InputError("names on the roster must be unique (they are how speakers are "
                         "matched).")
    for p in people:
        if p.role not in ROLES:
            raise InputError(f"{p.name}: unknown role {p.role!r}; use {', '.join(ROLES)}.")
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        have = {p.name: p for p in queries.roster_of(s, conv.partnership_id).values()}
        for p, name in zip(people, names, strict=True):
            row = have.get(name) or StoredParticipant(partnership_id=conv.partnership_id, name=name)
            row.role = p.role
            queries.set_company(s, row, p.company, conv.date)
    return len(people)


def known_topics(engine: Engine, partnership_id: int) -> list[KnownTopic]:
    """The partnership's confirmed and active priorities as new talk is matched onto them
    (:mod:`synth.themes.followup`): names, and the stored vectors of what raised them grouped
    by the turn each was said in. :class:`NotFoundError` for an unknown partnership."""
    from synth.themes.followup import topics_from_store

    with transaction(engine) as s:
        queries.get_partnership(s, partnership_id)
        known = queries.known_priorities(s, partnership_id)
        turns: dict[tuple[int, str], Hashable] = {}
        for conv in sorted({st.convening_id for k in known for st in k.statements}):
            ids = [st.id for k in known for st in k.statements if st.convening_id == conv]
            turns.update({(conv, sid): (conv, row.recording_id, row.turn)
                          for sid, row in queries.statements_of(s, conv, ids).items()})
    return topics_from_store(known, turns)
