"""New talk mapped onto known priorities (synth.themes.followup), measured on the convening set.

    .venv/bin/python pipelines/evaluate_followup.py [--only dev6] [--out rows.json]

Two settings, both on ``../shared/data/convenings/`` (see its README):

* **dev6**, the quarterly meeting, follows up on the priorities its gold lists as
  ``existing_priorities``. The set holds no earlier meeting of that partnership, so the known
  priorities are seeded from the first half of dev6 itself: the statements of its lines that
  carry exactly one existing priority, with the priority's flip-chart name. The second half is
  mapped; the two priorities it does not list are the new issues.
* **the hard case**, dev1..dev5: each meeting split into two halves as two convenings; the
  gold priorities of the first half (lines grouped by gold priority, at least
  ``MIN_SEED_LINES`` lines: a priority the room confirmed came up in several places) are the
  known priorities, the second half is mapped. A gold priority absent from the first half is
  new.

Statements are made by the product path (the transcript read, split by spaCy, embedded by the
configured model) and mapped by :func:`synth.themes.followup.match_known` with the bar it
measures; the unmatched ones go to theme finding (:func:`synth.themes.candidates.find_themes`)
as in the pipeline. Scored: the clusterable statements of business and public lines with exactly
one gold priority (their line's). Reported per meeting:

* **on it**: the share of the statements about a known priority attached to that priority (the
  issue's target: at least 80% on dev6), and the same per line (a line's majority by words);
* **as stored**: on it / new left when the seeds carry no turns, as the store's vectors come
  (the pipeline path: each known statement is a turn of its own, which lowers the bar);
* **new left**: the share of the statements of new priorities left unmatched;
* **new found**: new priorities some new candidate matches with F1 >= 0.5 over the mapped
  half's scored lines (the README's "found"); the candidates are found on the whole half and
  kept apart by :func:`synth.themes.followup.new_apart`, as the pipeline does
  (``--left-only``: only the statements the match left are clustered, the rule before);
* **near**: the share of those statements whose nearest known priority is theirs, whatever
  the bar (what the bar can at most keep);
* the measured bar.

``--context-weight`` and ``--name-weight`` replace the matching's weights (0 and 0: each
statement alone against its priority's statements alone).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from pipelines.evaluate_convenings import (  # noqa: E402
    DATA_DIR,
    FOUND_F1,
    SCORED_ROLES,
    Meeting,
    f1,
    line_clusters,
    load_meeting,
    meeting_names,
)
from synth.records import Statement  # noqa: E402
from synth.themes import followup  # noqa: E402
from synth.themes.followup import KnownTopic, left_for_themes, match_known  # noqa: E402

log = logging.getLogger("evaluate_followup")

MIN_SEED_LINES = 3  # README: each priority is raised in at least 3 separate places
QUARTERLY = "dev6"


@dataclass(frozen=True, slots=True)
class Split:
    """A meeting cut in two: which gold priorities are known, and where the mapped part starts."""

    known: tuple[str, ...]
    first_line: int  # lines from here on are mapped


def statement_gold(meeting: Meeting, statements: Sequence[Statement]) -> list[str | None]:
    """Each statement's gold priority: its line's, when that line is a business or public
    speaker's and carries exactly one; else None (not scored)."""
    out: list[str | None] = []
    for s in statements:
        i = s.line
        ok = (s.clusterable and i is not None and 0 <= i < len(meeting)
              and meeting.roles[i] in SCORED_ROLES and len(meeting.gold[i]) == 1)
        out.append(meeting.gold[i][0] if ok and i is not None else None)
    return out


def split_of(meeting: Meeting, gold: Sequence[str | None], statements: Sequence[Statement],
             existing: Sequence[str] | None) -> Split:
    """The first half's gold priorities with enough lines (only ``existing`` ones when the
    meeting names the priorities it follows up) and the first line of the second half."""
    half = len(meeting) // 2
    lines: dict[str, set[int]] = {}
    for s, g in zip(statements, gold, strict=True):
        if g is not None and s.line is not None and s.line < half:
            lines.setdefault(g, set()).add(s.line)
    known = sorted(g for g, ls in lines.items() if len(ls) >= MIN_SEED_LINES
                   and (existing is None or g in existing))
    return Split(tuple(known), half)


def seeds(meeting: Meeting, statements: Sequence[Statement], vectors: np.ndarray,
          gold: Sequence[str | None], split: Split, name_vectors: Mapping[str, np.ndarray],
          *, turns: bool = True) -> list[KnownTopic]:
    """The known priorities of the first half: their statements' vectors and names."""
    out = []
    for g in split.known:
        rows = [n for n, (s, x) in enumerate(zip(statements, gold, strict=True))
                if x == g and s.line is not None and s.line < split.first_line]
        keys = tuple((statements[n].recording_id, statements[n].turn_index) for n in rows)
        out.append(KnownTopic(g, meeting.priorities[g], vectors[rows], name_vectors[g],
                              keys if turns else None))
    return out


def mapping_scores(gold: Sequence[str | None], assignment: Mapping[str, object],
                   statements: Sequence[Statement], known: Sequence[str]) -> dict[str, float]:
    """Share of the scored statements of known priorities attached to theirs (``on_it``) and
    of those of new priorities left unmatched (``new_left``); nan where there are none."""
    on_it, left = [], []
    for s, g in zip(statements, gold, strict=True):
        if g is None or s.id not in assignment:
            continue
        if g in known:
            on_it.append(assignment[s.id] == g)
        else:
            left.append(assignment[s.id] is None)
    return {"on_it": float(np.mean(on_it)) if on_it else float("nan"), "n_known": len(on_it),
            "new_left": float(np.mean(left)) if left else float("nan"), "n_new": len(left)}


def line_on_it(meeting: Meeting, statements: Sequence[Statement],
               assignment: Mapping[str, object], known: Sequence[str], first_line: int) -> float:
    """Share of the mapped scored lines of known priorities whose majority went to theirs."""
    lines = line_clusters(statements, {k: None if v is None else str(v)
                                       for k, v in assignment.items()}, len(meeting))
    idx = [i for i in range(first_line, len(meeting)) if meeting.roles[i] in SCORED_ROLES
           and len(meeting.gold[i]) == 1 and meeting.gold[i][0] in known]
    return float(np.mean([lines[i] == meeting.gold[i][0] for i in idx])) if idx else float("nan")


def new_found(meeting: Meeting, statements: Sequence[Statement],
              themes: Mapping[str, str | None], known: Sequence[str],
              first_line: int) -> tuple[int, int]:
    """(found, new): new gold priorities some new candidate matches with F1 >= FOUND_F1 over the
    mapped half's scored lines."""
    clusters = line_clusters(statements, themes, len(meeting))
    idx = [i for i in range(first_line, len(meeting)) if meeting.roles[i] in SCORED_ROLES
           and len(meeting.gold[i]) == 1]
    members: dict[str, set[int]] = {}
    for i in idx:
        if clusters[i] is not None:
            members.setdefault(str(clusters[i]), set()).add(i)
    new = sorted({meeting.gold[i][0] for i in idx} - set(known))
    found = sum(1 for g in new if any(
        f1({i for i in idx if meeting.gold[i][0] == g}, m) >= FOUND_F1 for m in members.values()))
    return found, len(new)


def product_statements(meeting: Meeting) -> tuple[list[Statement], np.ndarray]:
    """The meeting's statements and embeddings as the pipeline makes them."""
    from synth import models
    from synth.audio.transcribe import transcribe_file
    from synth.settings import load
    from synth.text.embed import embed_texts
    from synth.text.roster import load_roster
    from synth.text.statements import extract_statements

    settings = load()
    transcript = transcribe_file(meeting.transcript, settings=settings)
    people = {p.name: p for p in load_roster(meeting.roster)}
    statements = extract_statements(transcript.turns, models.load_nlp(settings),
                                    participants=people)
    vectors = embed_texts([s.text for s in statements], model=models.load_embedder(settings),
                          cache_dir=settings.cache_dir)
    return statements, np.asarray(vectors, dtype=np.float64)


def evaluate_meeting(name: str, *, apart: bool = True) -> dict:
    """Map the second half of one meeting onto the first half's (or its existing) priorities;
    ``apart`` False: cluster only what the match left (the rule before ``new_apart``)."""
    from synth.text.embed import embed_texts
    from synth.themes.candidates import find_themes

    meeting = load_meeting(name)
    gold_file = json.loads((DATA_DIR / f"{name}.gold.json").read_text(encoding="utf-8"))
    statements, vectors = product_statements(meeting)
    gold = statement_gold(meeting, statements)
    split = split_of(meeting, gold, statements, gold_file.get("existing_priorities"))
    names = dict(zip(split.known, np.asarray(embed_texts(
        [meeting.priorities[g] for g in split.known])), strict=True))
    later = [n for n, s in enumerate(statements) if s.line is not None
             and s.line >= split.first_line]
    new_st, new_gold = [statements[n] for n in later], [gold[n] for n in later]
    known = seeds(meeting, statements, vectors, gold, split, names)
    match = match_known(new_st, vectors[later], known)
    stored = match_known(new_st, vectors[later],
                         seeds(meeting, statements, vectors, gold, split, names, turns=False))
    if apart:  # as the pipeline does: themes of the whole half, the new ones kept apart
        match, themes = followup.new_apart(new_st, vectors[later], match,
                                           find_themes(new_st, vectors[later]), known)
    else:  # the rule before: only what the match left is clustered
        themes = find_themes(left_for_themes(new_st, match), vectors[later])
    found, new = new_found(meeting, new_st, themes.assignment, split.known, split.first_line)
    scores = mapping_scores(new_gold, match.assignment, new_st, split.known)
    nearest = mapping_scores(new_gold, match.nearest, new_st, split.known)["on_it"]
    as_stored = mapping_scores(new_gold, stored.assignment, new_st, split.known)
    return {"meeting": name, "known": list(split.known), "threshold": match.threshold,
            **scores, "on_it_lines": line_on_it(meeting, new_st, match.assignment,
                                                split.known, split.first_line),
            "nearest": nearest, "on_it_stored": as_stored["on_it"],
            "new_left_stored": as_stored["new_left"],
            "stored_threshold": stored.threshold,
            "new_found": found, "new_priorities": new,
            "candidates": len(themes.themes)}


def table(rows: Sequence[dict]) -> str:
    """The per-meeting table, then the mean of the hard case."""
    def pct(x: float) -> str:
        return "    -" if x != x else f"{x:>5.0%}"  # nan: none to score

    out = [f"{'meeting':<8} {'known':>5} {'bar':>5} {'near':>5} {'on it':>5} {'(n)':>4} "
           f"{'lines':>5} "
           f"{'as stored':>11} {'new left':>8} {'(n)':>4} {'new found':>9} {'cands':>5}"]
    for r in rows:
        out.append(f"{r['meeting']:<8} {len(r['known']):>5} {r['threshold']:>5.3f} "
                   f"{pct(r['nearest'])} {pct(r['on_it'])} {r['n_known']:>4} "
                   f"{pct(r['on_it_lines'])} "
                   f"{pct(r['on_it_stored'])}/{pct(r['new_left_stored'])} "
                   f"{pct(r['new_left']):>8} {r['n_new']:>4} "
                   f"{r['new_found']:>4}/{r['new_priorities']:<4} {r['candidates']:>5}")
    hard = [r for r in rows if r["meeting"] != QUARTERLY]
    if hard:
        def mean(key: str) -> float:
            return float(np.nanmean([r[key] for r in hard]))

        out.append(f"{'hard avg':<8} {'':>5} {'':>5} {pct(mean('nearest'))} {pct(mean('on_it'))} "
                   f"{'':>4} "
                   f"{pct(mean('on_it_lines'))} {pct(mean('on_it_stored'))}/"
                   f"{pct(mean('new_left_stored'))} "
                   f"{pct(mean('new_left')):>8}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these meetings (dev1 ...)")
    ap.add_argument("--out", type=Path, help="write the per-meeting rows as JSON here")
    ap.add_argument("--context-weight", type=float, metavar="W",
                    help=f"share of a statement's turn (default {followup.CONTEXT_WEIGHT})")
    ap.add_argument("--name-weight", type=float, metavar="W",
                    help=f"share of a priority's name (default {followup.NAME_WEIGHT})")
    ap.add_argument("--left-only", action="store_true",
                    help="cluster only the statements the match left (the rule before "
                         "followup.new_apart), for the comparison")
    args = ap.parse_args(argv)
    if args.context_weight is not None:  # the ablations the module's docstring cites
        followup.CONTEXT_WEIGHT = args.context_weight
    if args.name_weight is not None:
        followup.NAME_WEIGHT = args.name_weight
    logging.basicConfig(level=logging.WARNING)
    if not DATA_DIR.is_dir():
        log.error("no convening data at %s: put ../shared beside the repository", DATA_DIR)
        return 2
    rows = [evaluate_meeting(name, apart=not args.left_only)
            for name in args.only or meeting_names()]
    sys.stdout.write(table(rows) + "\n")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
