"""Facilitator review of a convening's candidate priorities, over the store.

Every operation is one transaction, is written to the audit log with the state before and
after, and can be undone (:func:`undo`, per convening, last action first). Operations on a
theme take ``expected``: the theme versions the caller last saw (theme id -> version); an
edit made against an older version is refused with :class:`ConflictError`, so two people
reviewing at once never silently overwrite each other. Writers of one convening are
serialised (the convening row is locked), so concurrent edits are applied one after another.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from synth.decisions import priorities
from synth.errors import ConflictError, ReviewError
from synth.store import audit, queries
from synth.store.db import transaction
from synth.store.schema import (
    Membership,
    Priority,
    Speaker,
    StatementVector,
    StoredConvening,
    StoredTheme,
    utcnow,
)

log = logging.getLogger(__name__)

Embed = Callable[[Sequence[str]], np.ndarray]
Expected = Mapping[int, int] | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an action did: its audit entry and the new versions of the themes it touched."""

    action: str
    audit_id: int
    convening_id: int
    versions: dict[int, int] = field(default_factory=dict)
    created: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SplitGroup:
    """One proposed part of a split: its statements (spoken order) and a generated label."""

    statement_ids: tuple[str, ...]
    label: str
    keywords: tuple[str, ...]


class _Edit:
    """One audited action inside one transaction, with the convening locked."""

    def __init__(self, session: Session, convening: StoredConvening, action: str,
                 who: str | None) -> None:
        self.s, self.conv, self.action, self.who = session, convening, action, who
        self.before: audit.Snapshot = {}
        self.keys: dict[str, set] = {"themes": set(), "statements": set(), "speakers": set()}

    def themes(self, ids: Sequence[int], expected: Expected, *,
               allow_merged: bool = False) -> list[StoredTheme]:
        """The themes, current (re-read under the lock) and checked against ``expected``."""
        out = []
        for tid in ids:
            t = queries.get_theme(self.s, tid, lock=True)
            self.s.refresh(t)
            if t.convening_id != self.conv.id:
                raise ReviewError(f"theme {tid} belongs to another convening "
                                  f"({t.convening_id}, not {self.conv.id}).")
            if expected and tid in expected and expected[tid] != t.version:
                raise ConflictError(
                    f"theme {tid} was changed by someone else (you saw version {expected[tid]}, "
                    f"it is now version {t.version}); reload it and try again.")
            if t.status == "merged" and not allow_merged:
                raise ReviewError(f"theme {tid} was merged into theme {t.merged_into}; "
                                  "act on that one (or undo the merge).")
            out.append(t)
        return out

    def begin(self, *, themes: Sequence[int] = (), statements: Sequence[str] = (),
              speakers: Sequence[str] = (), links: Sequence[int] = (),
              priorities: Sequence[int] = (), notes: Sequence[str] = (),
              paper_dots: Sequence[int] = ()) -> None:
        """Record the state of what the action is about to touch (a theme's link to a
        partnership priority, and that priority, included; notes and paper dots too)."""
        self.keys = {"themes": set(themes), "statements": set(statements),
                     "speakers": set(speakers), "links": set(links),
                     "priorities": set(priorities), "notes": set(notes),
                     "paper_dots": set(paper_dots)}
        self.before = audit.capture(self.s, self.conv.id, themes=themes, statements=statements,
                                    speakers=speakers, links=links, priorities=priorities,
                                    notes=notes, paper_dots=paper_dots)

    def also(self, *, themes: Sequence[int] = (), statements: Sequence[str] = ()) -> None:
        """Record, before changing them, themes and memberships an action found it must touch
        part-way (the facilitator talk a speaker mapping takes out of its themes)."""
        more = audit.capture(self.s, self.conv.id, themes=set(themes) - self.keys["themes"],
                             statements=set(statements) - self.keys["statements"])
        for part in ("themes", "members"):
            self.before.setdefault(part, {}).update(more[part])
        self.keys["themes"] |= set(themes)
        self.keys["statements"] |= set(statements)

    def finish(self, target: str, *, touched: Sequence[StoredTheme] = (),
               created: Sequence[StoredTheme] = (), made: Priority | None = None) -> Outcome:
        """Bump versions, write the audit entry, and say what changed (``made``: a priority
        the action created, which undo removes)."""
        for t in touched:
            t.edited = True
            bump(t)
        self.s.flush()
        new_ids = [t.id for t in created]
        for tid in new_ids:
            self.before["themes"][str(tid)] = None
        priorities = set(self.keys.get("priorities", set()))
        if made is not None:
            self.before.setdefault("priorities", {})[str(made.id)] = None
            priorities.add(made.id)
        after = audit.capture(self.s, self.conv.id, themes=self.keys["themes"] | set(new_ids),
                              statements=self.keys["statements"],
                              speakers=self.keys["speakers"],
                              links=self.keys.get("links", set()), priorities=priorities,
                              notes=self.keys.get("notes", set()),
                              paper_dots=self.keys.get("paper_dots", set()))
        entry = audit.record(self.s, self.conv.id, action=self.action, target=target,
                             who=self.who, before=self.before, after=after)
        log.info("%s %s (convening %d, audit %d)", self.action, target, self.conv.id, entry.id)
        return Outcome(self.action, entry.id, self.conv.id,
                       {t.id: t.version for t in [*touched, *created]}, tuple(new_ids))


def bump(theme: StoredTheme) -> None:
    """Count a change of the theme (its fields or its members) for optimistic concurrency."""
    theme.version += 1
    theme.updated_at = utcnow()


@contextmanager
def _edit(engine: Engine, action: str, *, who: str | None, theme: int | None = None,
          convening: int | None = None) -> Iterator[_Edit]:
    try:
        with transaction(engine) as s:
            if convening is None:
                assert theme is not None
                convening = queries.get_theme(s, theme).convening_id
            conv = queries.get_convening(s, convening, lock=True)
            yield _Edit(s, conv, action, who)
    except StaleDataError:
        raise ConflictError(f"{action}: a theme changed while this edit was being saved; "
                            "reload and try again.") from None


def _members(session: Session, theme_ids: Sequence[int]) -> list[Membership]:
    return queries.members_of(session, theme_ids)


def _label(texts: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """A plain keyword label for a group made by a split (marked as generated)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    words = Counter(w for t in texts for w in set(re.findall(r"[a-z][a-z'-]{2,}", t.lower()))
                    if w not in ENGLISH_STOP_WORDS)
    keywords = tuple(w for w, _ in sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:5])
    return (" / ".join(keywords[:3]) or "untitled"), keywords


# --- theme actions -------------------------------------------------------------------------


def confirm(engine: Engine, theme_id: int, *, who: str | None = None,
            expected: Expected = None, priority: int | None = None) -> Outcome:
    """Confirm a candidate (or a discarded theme) as a shared priority: it joins the
    partnership's priority ``priority``, else the one of the same name, else makes a new one."""
    return _set_status(engine, theme_id, "confirmed", "confirm", who, expected, priority)


def discard(engine: Engine, theme_id: int, *, who: str | None = None,
            expected: Expected = None) -> Outcome:
    """Discard a theme: it stays in the store (a re-run will not bring it back) but not ranked."""
    return _set_status(engine, theme_id, "discarded", "discard", who, expected)


def _set_status(engine: Engine, theme_id: int, status: str, action: str, who: str | None,
                expected: Expected, priority: int | None = None) -> Outcome:
    with _edit(engine, action, who=who, theme=theme_id) as e:
        (t,) = e.themes([theme_id], expected)
        target = (priorities.link_target(e.s, e.conv, t, priority) if status == "confirmed"
                  else None)
        linked = queries.priority_link(e.s, t.id)
        e.begin(themes=[t.id], links=[t.id],
                priorities=[i for i in (target.id if target else None, linked) if i is not None])
        t.status = status
        made = None
        if status == "confirmed":
            made = priorities.link_confirmed(e.s, e.conv, t, target)
        else:
            priorities.unlink(e.s, t)
        return e.finish(f"theme {t.id}", touched=[t], made=made)


def rename(engine: Engine, theme_id: int, label: str, *, who: str | None = None,
           expected: Expected = None) -> Outcome:
    """Give a theme the facilitator's own label (no longer marked as generated)."""
    label = " ".join(label.split())
    if not label:
        raise ReviewError("a theme's label cannot be empty.")
    with _edit(engine, "rename", who=who, theme=theme_id) as e:
        (t,) = e.themes([theme_id], expected)
        e.begin(themes=[t.id])
        t.label, t.label_generated = label[:300], False
        return e.finish(f"theme {t.id}: {label}", touched=[t])


def merge(engine: Engine, theme_ids: Sequence[int], *, label: str | None = None,
          who: str | None = None, expected: Expected = None) -> Outcome:
    """Merge two or more themes into the first; the others become ``merged`` and empty."""
    ids = list(theme_ids)
    if len(ids) < 2:
        raise ReviewError("merge needs at least two themes.")
    if len(set(ids)) != len(ids):
        raise ReviewError(f"cannot merge a theme into itself (theme "
                          f"{next(i for i in ids if ids.count(i) > 1)} is named twice).")
    with _edit(engine, "merge", who=who, theme=ids[0]) as e:
        themes = e.themes(ids, expected)
        members = _members(e.s, ids)
        # A merged theme no longer raises its priority (one it alone made, bare, goes).
        links = {i: queries.priority_link(e.s, i) for i in ids[1:]}
        e.begin(themes=ids, statements=[m.statement_id for m in members],
                links=[i for i, p in links.items() if p is not None],
                priorities=[p for p in links.values() if p is not None])
        into = themes[0]
        for m in members:
            m.theme_id = into.id
        for t in themes[1:]:
            t.status, t.merged_into = "merged", into.id
            priorities.unlink(e.s, t)
        if label:
            into.label, into.label_generated = " ".join(label.split())[:300], False
        return e.finish(f"themes {', '.join(map(str, ids[1:]))} into {into.id}", touched=themes)


def preview_split(engine: Engine, theme_id: int, *, parts: int = 2, embed: Embed | None = None,
                  seed: int = 0) -> list[SplitGroup]:
    """The groups a split would make, by re-clustering the theme's statements; writes nothing."""
    return _plan_split(engine, theme_id, parts, embed, seed).groups


def split(engine: Engine, theme_id: int, *, parts: int = 2,
          groups: Sequence[Sequence[str]] | None = None, embed: Embed | None = None,
          seed: int = 0, who: str | None = None, expected: Expected = None) -> Outcome:
    """Split a theme into two or more: the re-clustered groups, or ``groups`` given by hand.

    The first (largest) group stays in the theme, with its label and status; each other group
    becomes a new candidate with a generated label. Pinned statements stay pinned.
    """
    plan = _plan_split(engine, theme_id, parts, embed, seed) if groups is None else None
    if plan is not None:
        # The plan was made outside the write transaction (embedding can be slow): refuse to
        # apply it to a theme that changed meanwhile.
        expected = {**(expected or {}), theme_id: plan.version}
    with _edit(engine, "split", who=who, theme=theme_id) as e:
        (t,) = e.themes([theme_id], expected)
        members = _members(e.s, [t.id])
        if plan is not None:
            proposal = plan.groups
            for sid, vec in plan.new_vectors.items():
                e.s.merge(StatementVector(convening_id=e.conv.id, statement_id=sid,
                                          vector=vec.astype(np.float32).tobytes()))
        else:
            proposal = _given_groups(e.s, t, members, groups or [])
        e.begin(themes=[t.id], statements=[m.statement_id for m in members])
        by_id = {m.statement_id: m for m in members}
        created = []
        for g in proposal[1:]:
            part = StoredTheme(convening_id=e.conv.id, status="candidate", label=g.label,
                               label_generated=True, keywords=list(g.keywords), stability=0.0,
                               edited=True)
            e.s.add(part)
            e.s.flush()
            for sid in g.statement_ids:
                by_id[sid].theme_id = part.id
            created.append(part)
        return e.finish(f"theme {t.id} into {len(proposal)}", touched=[t], created=created)


@dataclass(frozen=True, slots=True)
class _SplitPlan:
    groups: list[SplitGroup]
    new_vectors: dict[str, np.ndarray]
    version: int


def _plan_split(engine: Engine, theme_id: int, parts: int, embed: Embed | None,
                seed: int) -> _SplitPlan:
    with transaction(engine) as s:
        t = queries.get_theme(s, theme_id)
        statements = queries.statements_of(s, t.convening_id,
                                           [m.statement_id for m in _members(s, [t.id])])
        _check_split(t, len(statements), parts)
        vecs = queries.vectors_of(s, t.convening_id, statements)
        version, positions = t.version, {sid: st.position for sid, st in statements.items()}
        texts = {sid: st.text for sid, st in statements.items()}
    ids = list(statements)
    missing = [sid for sid in ids if sid not in vecs]
    new: dict[str, np.ndarray] = {}
    if missing:
        computed = np.asarray((embed or _default_embed)([texts[sid] for sid in missing]),
                              dtype=np.float32)
        new = dict(zip(missing, computed, strict=True))
    x = np.stack([vecs[sid] if sid in vecs else new[sid] for sid in ids]).astype(np.float64)
    labels = _cluster(x, parts, seed)
    if len(set(labels.tolist())) < parts:
        raise ReviewError(f"theme {theme_id}: its statements are too alike to split in {parts}; "
                          "give the groups by hand or move statements instead.")
    found: dict[int, list[str]] = {}
    for sid, lab in zip(ids, labels.tolist(), strict=True):
        found.setdefault(lab, []).append(sid)
    ordered = sorted(found.values(), key=lambda g: (-len(g), positions[g[0]]))
    groups = [SplitGroup(tuple(g), *_label([texts[i] for i in g])) for g in ordered]
    return _SplitPlan(groups, new, version)


def _cluster(x: np.ndarray, parts: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    if np.allclose(x, x[0]):
        return np.zeros(len(x), dtype=int)
    return KMeans(n_clusters=parts, n_init=10, random_state=seed).fit_predict(x)


def _default_embed(texts: Sequence[str]) -> np.ndarray:
    from synth.text.embed import embed_texts

    return embed_texts(texts)


def _check_split(theme: StoredTheme, n: int, parts: int) -> None:
    if theme.status == "merged":
        raise ReviewError(f"theme {theme.id} was merged into theme {theme.merged_into}.")
    if n < 2:
        raise ReviewError(f"theme {theme.id} has {n} statement(s); a split needs at least two.")
    if parts < 2 or parts > n:
        raise ReviewError(f"theme {theme.id}: split into 2 to {n} parts, not {parts}.")


def _given_groups(s: Session, theme: StoredTheme, members: Sequence[Membership],
                  groups: Sequence[Sequence[str]]) -> list[SplitGroup]:
    have = {m.statement_id for m in members}
    _check_split(theme, len(have), len(groups))
    flat = [sid for g in groups for sid in g]
    if any(not g for g in groups):
        raise ReviewError("a split group is empty.")
    if len(flat) != len(set(flat)) or set(flat) != have:
        raise ReviewError(f"the groups must share out exactly theme {theme.id}'s "
                          f"{len(have)} statements, each once.")
    statements = queries.statements_of(s, theme.convening_id, flat)
    return [SplitGroup(tuple(g), *_label([statements[i].text for i in g])) for g in groups]


def move(engine: Engine, statement_ids: Sequence[str], to_theme: int | None, *,
         convening_id: int | None = None, who: str | None = None,
         expected: Expected = None) -> Outcome:
    """Move statements into a theme (or out of every theme with ``to_theme=None``) and pin them.

    Pinned statements stay where they were put when the pipeline is re-run.
    """
    ids = list(dict.fromkeys(statement_ids))
    if not ids:
        raise ReviewError("name at least one statement to move.")
    if to_theme is None and convening_id is None:
        raise ReviewError("to take statements out of every theme, say which convening.")
    with _edit(engine, "move", who=who, theme=to_theme, convening=convening_id) as e:
        _live(queries.require_statements(e.s, e.conv.id, ids))
        rows = queries.memberships(e.s, e.conv.id, ids)
        sources = sorted({m.theme_id for m in rows.values() if m.theme_id is not None})
        wanted = sorted(set(sources) | ({to_theme} if to_theme is not None else set()))
        themes = {t.id: t for t in e.themes(wanted, expected)}
        e.begin(themes=wanted, statements=ids)
        for sid in ids:
            m = rows.get(sid)
            if m is None:
                m = Membership(convening_id=e.conv.id, statement_id=sid)
                e.s.add(m)
            m.theme_id, m.pinned = to_theme, True
        where = f"theme {to_theme}" if to_theme is not None else "no theme"
        return e.finish(f"{len(ids)} statement(s) to {where}", touched=list(themes.values()))


def _live(found: Mapping[str, Any]) -> None:
    """Refuse withdrawn statements: a participant took those words back."""
    gone = [sid for sid, st in found.items() if st.withdrawn]
    if gone:
        raise ReviewError(f"statement {gone[0]} was withdrawn by its speaker; it cannot be "
                          "put in a theme.")


def create_theme(engine: Engine, convening_id: int, label: str, statement_ids: Sequence[str], *,
                 status: str = "confirmed", who: str | None = None,
                 expected: Expected = None) -> Outcome:
    """A theme made by hand from chosen statements (taken from their themes, pinned): a
    priority the room agreed on (``status`` "confirmed", the default) or a candidate."""
    label = " ".join(label.split())
    ids = list(dict.fromkeys(statement_ids))
    if not label:
        raise ReviewError("a new theme needs a label.")
    if not ids:
        raise ReviewError("a new theme needs at least one statement.")
    if status not in ("candidate", "confirmed"):
        raise ReviewError("a new theme is a candidate or confirmed.")
    with _edit(engine, "create", who=who, convening=convening_id) as e:
        _live(queries.require_statements(e.s, e.conv.id, ids))
        rows = queries.memberships(e.s, e.conv.id, ids)
        sources = sorted({m.theme_id for m in rows.values() if m.theme_id is not None})
        themes = e.themes(sources, expected)
        e.begin(themes=sources, statements=ids)
        new = StoredTheme(convening_id=e.conv.id, status=status, label=label[:300],
                          label_generated=False, keywords=[], edited=True)
        e.s.add(new)
        e.s.flush()
        for sid in ids:
            m = rows.get(sid) or Membership(convening_id=e.conv.id, statement_id=sid)
            m.theme_id, m.pinned = new.id, True
            e.s.add(m)
        return e.finish(f"theme {new.id}: {label}", touched=themes, created=[new])


def undo(engine: Engine, convening_id: int, *, who: str | None = None) -> Outcome:
    """Undo the convening's last action not yet undone (repeat to go further back).

    Imports are not undone: re-import the earlier result instead.
    """
    with _edit(engine, "undo", who=who, convening=convening_id) as e:
        entry = queries.last_action(e.s, e.conv.id)
        if entry is None:
            raise ReviewError(f"nothing to undo in convening {e.conv.id}.")
        if entry.action == "import":
            raise ReviewError(f"the last change to convening {e.conv.id} is the import of "
                              f"{entry.target}; undo stops there.")
        if entry.action in ("delete_recording", "withdraw"):  # synth.decisions.privacy.IRREVERSIBLE
            raise ReviewError(f"the last change to convening {e.conv.id} is {entry.action} "
                              f"({entry.target}), which cannot be undone: the words are gone. "
                              "Undo stops there.")
        now = audit.recapture(e.s, e.conv.id, entry.after)
        if _comparable(now) != _comparable(entry.after):
            raise ConflictError(f"cannot undo {entry.action} ({entry.target}): what it changed "
                                "has changed since.")
        priorities.refuse_if_grown(e.s, entry.before, entry.after)
        changed = audit.restore(e.s, e.conv.id, entry.before)
        touched = [queries.get_theme(e.s, tid) for tid in sorted(changed)]
        if "links" not in entry.before:
            priorities.settle(e.s, e.conv, touched)
        for t in touched:
            bump(t)
        e.s.flush()
        record = audit.record(e.s, e.conv.id, action="undo",
                              target=f"{entry.action} {entry.target}", who=who,
                              before=entry.after, after=entry.before)
        entry.undone_by = record.id
        log.info("undid %s %s (audit %d)", entry.action, entry.target, entry.id)
        return Outcome("undo", record.id, e.conv.id, {t.id: t.version for t in touched})


def _comparable(snap: audit.Snapshot) -> dict:
    # JSON round trips turn keyword tuples into lists; compare on the JSON form.
    return json.loads(json.dumps(snap, sort_keys=True))


# --- speakers --------------------------------------------------------------------------------


def rename_speaker(engine: Engine, convening_id: int, label: str, name: str, *,
                   who: str | None = None) -> Outcome:
    """Give a speaker label a real name (a roster name also maps the speaker to that person)."""
    name = " ".join(name.split())
    if not name:
        raise ReviewError("a speaker's name cannot be empty.")
    with _edit(engine, "rename_speaker", who=who, convening=convening_id) as e:
        sp = queries.get_speaker(e.s, e.conv.id, label)
        e.begin(speakers=[label])
        sp.name = name
        _set_aside_facilitator_talk(e, label)
        return e.finish(f"speaker {label}: {name}")


def merge_speakers(engine: Engine, convening_id: int, keep: str, other: str, *,
                   who: str | None = None) -> Outcome:
    """Two labels are the same person: ``other`` now counts as ``keep``."""
    if keep == other:
        raise ReviewError(f"cannot merge speaker {keep!r} into itself.")
    with _edit(engine, "merge_speakers", who=who, convening=convening_id) as e:
        speakers = queries.speakers_of(e.s, e.conv.id)
        for label in (keep, other):
            queries.get_speaker(e.s, e.conv.id, label)
        root, seen = keep, {keep}
        while speakers[root].merged_into and speakers[root].merged_into not in seen:
            root = speakers[root].merged_into or root
            seen.add(root)
        if root == other:
            raise ReviewError(f"speaker {keep!r} is already merged into {other!r}.")
        e.begin(speakers=[other])
        speakers[other].merged_into = keep
        _set_aside_facilitator_talk(e, other)
        return e.finish(f"speaker {other} into {keep}")


def assign_speaker(engine: Engine, convening_id: int, label: str, participant: str | None, *,
                   who: str | None = None) -> Outcome:
    """Map a speaker label to a roster participant by name (``None`` clears the mapping)."""
    with _edit(engine, "assign_speaker", who=who, convening=convening_id) as e:
        sp: Speaker = queries.get_speaker(e.s, e.conv.id, label)
        person = (queries.find_participant(e.s, e.conv.partnership_id, participant)
                  if participant is not None else None)
        e.begin(speakers=[label])
        sp.participant_id = person.id if person else None
        _set_aside_facilitator_talk(e, label)
        return e.finish(f"speaker {label}: {participant or 'unassigned'}")


def _set_aside_facilitator_talk(e: _Edit, label: str) -> None:
    """Take what a speaker now known as a facilitator said out of the themes it is in.

    Priorities come from business voices: the pipeline never clusters facilitator talk, and a
    label mapped to a facilitator afterwards must not keep feeding candidates, quotes and
    breadth. Only the labels this action changed (``label`` and those merged into it) are
    looked at; a statement a facilitator pinned to a theme by hand stays. A candidate no one
    has acted on that is left empty is discarded, as a re-run would drop it. Undo puts all of
    it back.
    """
    e.s.flush()
    speakers = queries.speakers_of(e.s, e.conv.id)
    who = queries.resolve_speakers(e.s, e.conv)
    facilitators = {k for k in _resolving_through(speakers, label)
                    if k in who and who[k].role == "facilitator"}
    if not facilitators:
        return
    said = [sid for sid, st in queries.statements_of(e.s, e.conv.id).items()
            if st.speaker in facilitators]
    rows = [m for m in queries.memberships(e.s, e.conv.id, said).values()
            if m.theme_id is not None and not m.pinned]
    if not rows:
        return
    theme_ids = sorted({m.theme_id for m in rows if m.theme_id is not None})
    e.also(themes=theme_ids, statements=[m.statement_id for m in rows])
    for m in rows:
        e.s.delete(m)
    e.s.flush()
    for tid in theme_ids:
        theme = queries.get_theme(e.s, tid, lock=True)
        if theme.status == "candidate" and not theme.edited and not _members(e.s, [tid]):
            theme.status = "discarded"
        bump(theme)  # not ``edited``: a re-run may still re-place this candidate's members
    log.info("speaker %s is a facilitator: %d statement(s) out of %d theme(s)", label,
             len(rows), len(theme_ids))


def _resolving_through(speakers: Mapping[str, Speaker], label: str) -> set[str]:
    """The labels whose chain of merges passes through ``label`` (``label`` included)."""
    out: set[str] = set()
    for start in speakers:
        current, seen = start, {start}
        while current != label:
            nxt = speakers[current].merged_into
            if not nxt or nxt not in speakers or nxt in seen:
                break
            seen.add(nxt)
            current = nxt
        if current == label:
            out.add(start)
    return out
