"""Candidate priorities on convening-shaped transcripts, against the priorities the room named.

    .venv/bin/python pipelines/evaluate_convenings.py [--only dev1 dev3] [--no-references]
        [--seeds 0 1 2 3]

Runs the product path (``synth.convening.pipeline.synthesize`` on ``devN.txt`` with its roster, the
number of candidates chosen automatically) on each meeting of ``../shared/data/convenings/`` and
scores it as that folder's README says:

* each statement is mapped to its transcript line, each line to the majority theme of its
  statements (by words; an unassigned line is a cluster of its own);
* the lines of business and public speakers that carry exactly one gold priority are scored:
  adjusted Rand index and adjusted mutual information against the gold priority;
* a gold priority is **found** when some candidate's scored lines match its lines with F1 >= 0.5.

Beside the numbers it prints what a facilitator would read: for each gold priority, the label of
the candidate that matches it best (and whether that label *names* it, by a simple automatic
proxy: the label's nearest gold name by MiniLM cosine is this one; read the table too), every
candidate label with a flag when it holds a person's name from the roster or the transcript,
and the candidates that are **procedural** (most of their lines carry no gold priority: set-up,
thanks, the facilitator's own prompts).

The clustering draws its themes from seeded random restarts, and on meetings this short the seed
matters: on the ten convening meetings (dev and checks), seeds 0-3 move a meeting's ARI by 0.01
to 0.38 (0.10 at the median) and its found priorities by up to two of five; the dev set's mean
ARI runs from 0.366 to 0.427. ``--seeds`` runs the whole evaluation once per seed and prints
each seed's means and their mean: compare two methods over several seeds, never on one.

Reference rows, scored by the same code (lines of at least 4 words, as the README's):
each line's own MiniLM vector with k-means told the true number, and each line sent to the
nearest gold priority name (uses the answer: a ceiling for guided topics).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from synth.records import Statement  # noqa: E402

log = logging.getLogger("evaluate_convenings")

DATA_DIR = ROOT.parent / "shared" / "data" / "convenings"
FOUND_F1 = 0.5
REFERENCE_MIN_WORDS = 4
SCORED_ROLES = ("business", "public")


@dataclass(frozen=True, slots=True)
class Meeting:
    """One convening transcript with its gold priorities, line by line."""

    name: str
    transcript: Path
    roster: Path
    priorities: dict[str, str]  # gold id -> the priority as written on the flip chart
    speakers: tuple[str, ...]  # per line
    roles: tuple[str, ...]  # per line
    texts: tuple[str, ...]  # per line, the words after "Speaker:"
    gold: tuple[tuple[str, ...], ...]  # per line, the gold priority ids it carries

    def __len__(self) -> int:
        return len(self.gold)


def load_meeting(name: str, data_dir: Path = DATA_DIR) -> Meeting:
    """``devN`` from the data folder: transcript, roster and gold lines."""
    gold = json.loads((data_dir / f"{name}.gold.json").read_text(encoding="utf-8"))
    raw = (data_dir / f"{name}.txt").read_text(encoding="utf-8").splitlines()
    lines = gold["lines"]
    if len(lines) != len(raw):
        raise ValueError(f"{name}: {len(raw)} transcript lines but {len(lines)} gold lines")
    return Meeting(
        name=name,
        transcript=data_dir / f"{name}.txt",
        roster=data_dir / f"{name}.roster.csv",
        priorities=dict(gold["themes"]),
        speakers=tuple(x["speaker"] for x in lines),
        roles=tuple(x["role"] for x in lines),
        texts=tuple(r.split(":", 1)[1].strip() if ":" in r else r for r in raw),
        gold=tuple(tuple(x["themes"]) for x in lines),
    )


def meeting_names(data_dir: Path = DATA_DIR) -> list[str]:
    """The meetings in the data folder, in name order."""
    return sorted(p.name.removesuffix(".gold.json") for p in data_dir.glob("*.gold.json"))


# --------------------------------------------------------------------------- scoring


def scored_lines(meeting: Meeting, min_words: int = 0) -> list[int]:
    """Lines of business and public speakers with exactly one gold priority."""
    return [
        i
        for i in range(len(meeting))
        if meeting.roles[i] in SCORED_ROLES
        and len(meeting.gold[i]) == 1
        and len(meeting.texts[i].split()) >= min_words
    ]


def line_clusters(
    statements: Sequence[Statement], assignment: Mapping[str, str | None], n_lines: int
) -> list[str | None]:
    """Each line's candidate: the majority (by words) theme of its assigned statements.

    Ties go to the theme whose statements in the line come first; a line with no assigned
    statement is None.
    """
    votes: list[Counter[str]] = [Counter() for _ in range(n_lines)]
    first: list[dict[str, int]] = [{} for _ in range(n_lines)]
    for s in statements:
        theme = assignment.get(s.id)
        if theme is None or s.line is None or not 0 <= s.line < n_lines:
            continue
        votes[s.line][theme] += len(s.text.split()) or 1
        # the earliest position, whatever order the statements come in
        first[s.line][theme] = min(first[s.line].get(theme, s.position), s.position)
    return [
        max(v, key=lambda t, v=v, f=f: (v[t], -f[t])) if v else None
        for v, f in zip(votes, first, strict=True)
    ]


def f1(a: set[int], b: set[int]) -> float:
    """F1 of two sets of lines (0 when either is empty)."""
    both = len(a & b)
    return 0.0 if both == 0 else 2 * both / (len(a) + len(b))


def score(clusters: Sequence[str | None], meeting: Meeting, min_words: int = 0) -> dict:
    """ARI, adjusted MI, found share and the best candidate for each gold priority."""
    if len(clusters) != len(meeting):
        raise ValueError(f"{len(clusters)} line clusters for {len(meeting)} lines")
    idx = scored_lines(meeting, min_words)
    truth = [meeting.gold[i][0] for i in idx]
    predicted = [f"c:{clusters[i]}" if clusters[i] is not None else f"none:{i}" for i in idx]
    members: dict[str, set[int]] = {}
    for i in idx:
        if clusters[i] is not None:
            members.setdefault(str(clusters[i]), set()).add(i)
    best: dict[str, tuple[str | None, float]] = {}
    for gid in sorted(meeting.priorities):
        lines = {i for i in idx if meeting.gold[i][0] == gid}
        scores = sorted(((f1(lines, m), c) for c, m in members.items()),
                        key=lambda x: (-x[0], x[1]))
        best[gid] = (scores[0][1], scores[0][0]) if scores else (None, 0.0)
    found = sum(1 for _, value in best.values() if value >= FOUND_F1)
    return {
        "ari": float(adjusted_rand_score(truth, predicted)) if idx else 0.0,
        "ami": float(adjusted_mutual_info_score(truth, predicted)) if idx else 0.0,
        "found": found / max(len(meeting.priorities), 1),
        "scored": len(idx),
        "best": best,
    }


def procedural(clusters: Sequence[str | None], meeting: Meeting) -> list[str]:
    """Candidates most of whose lines (any speaker) carry no gold priority."""
    lines: dict[str, list[int]] = {}
    for i, c in enumerate(clusters):
        if c is not None:
            lines.setdefault(c, []).append(i)
    return sorted(
        c for c, rows in lines.items() if sum(not meeting.gold[i] for i in rows) > len(rows) / 2
    )


def person_names(meeting: Meeting) -> set[str]:
    """Lower-case first and last names of everyone on the roster or speaking in the transcript."""
    with meeting.roster.open(encoding="utf-8", newline="") as f:
        names = {row["name"] for row in csv.DictReader(f)} | set(meeting.speakers)
    return {part.lower() for name in names for part in re.findall(r"[A-Za-z']+", name)
            if len(part) > 2}


def names_a_person(label: str, names: set[str]) -> bool:
    """True when a word of ``label`` is someone's first or last name ("Rick's" included)."""
    return any(w.lower() in names or w.lower().removesuffix("'s") in names
               for w in re.findall(r"[A-Za-z']+", label))


# --------------------------------------------------------------------------- methods


def run_synth(meeting: Meeting, seed: int = 0
              ) -> tuple[list[str | None], dict[str, str], dict[str, int]]:
    """Line clusters, candidate labels and candidate ranks from the real pipeline, its
    clustering seeded with ``seed`` (the product's default is 0)."""
    from synth.convening.pipeline import synthesize
    from synth.text.roster import load_roster
    from synth.themes.candidates import ThemeSettings

    result = synthesize([meeting.transcript], roster=load_roster(meeting.roster),
                        theme_settings=ThemeSettings(seed=seed))
    themes = result.themes.themes  # type: ignore[attr-defined]
    clusters = line_clusters(result.statements, result.themes.assignment,  # type: ignore[attr-defined]
                             len(meeting))
    return clusters, {t.id: t.label for t in themes}, {t.id: n + 1 for n, t in enumerate(themes)}


def _embed(texts: Sequence[str]) -> np.ndarray:
    from synth.text.embed import embed_texts

    return np.asarray(embed_texts(list(texts)), dtype=np.float64)


def own_vector_kmeans(meeting: Meeting) -> list[str | None]:
    """Each scored-role line's own MiniLM vector, k-means told the true number of priorities."""
    from sklearn.cluster import KMeans

    idx = [i for i in range(len(meeting)) if meeting.roles[i] in SCORED_ROLES
           and len(meeting.texts[i].split()) >= REFERENCE_MIN_WORDS]
    x = _embed([meeting.texts[i] for i in idx])
    labels = KMeans(n_clusters=len(meeting.priorities), n_init=10, random_state=0).fit_predict(x)
    out: list[str | None] = [None] * len(meeting)
    for i, lab in zip(idx, labels, strict=True):
        out[i] = str(lab)
    return out


def nearest_gold_name(meeting: Meeting) -> list[str | None]:
    """Each scored-role line sent to the nearest gold priority name (uses the answer)."""
    gids = sorted(meeting.priorities)
    names = _embed([meeting.priorities[g] for g in gids])
    idx = [i for i in range(len(meeting)) if meeting.roles[i] in SCORED_ROLES
           and len(meeting.texts[i].split()) >= REFERENCE_MIN_WORDS]
    x = _embed([meeting.texts[i] for i in idx])
    out: list[str | None] = [None] * len(meeting)
    for i, j in zip(idx, np.argmax(_unit(x) @ _unit(names).T, axis=1), strict=True):
        out[i] = gids[int(j)]
    return out


REFERENCES = {
    "own vector + k-means, true k": own_vector_kmeans,
    "nearest gold name (oracle)": nearest_gold_name,
}


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def label_names_gold(labels: Sequence[str], meeting: Meeting) -> list[str]:
    """Automatic proxy for "the label names the priority": each label's nearest gold name."""
    gids = sorted(meeting.priorities)
    if not labels:
        return []
    sim = _unit(_embed(labels)) @ _unit(_embed([meeting.priorities[g] for g in gids])).T
    return [gids[int(j)] for j in np.argmax(sim, axis=1)]


# --------------------------------------------------------------------------- report


def evaluate(names: Sequence[str], with_references: bool = True,
             data_dir: Path = DATA_DIR, seed: int = 0) -> tuple[list[dict], list[str]]:
    """Score synth, its clustering seeded with ``seed``, (and the references) on each meeting;
    rows and the readable report lines."""
    rows: list[dict] = []
    report: list[str] = []
    for name in names:
        meeting = load_meeting(name, data_dir)
        clusters, labels, ranks = run_synth(meeting, seed)
        s = score(clusters, meeting)
        person = person_names(meeting)
        proc = procedural(clusters, meeting)
        best_labels = [labels.get(c, "") if c else "" for c, _ in s["best"].values()]
        nearest = label_names_gold(best_labels, meeting)
        named = [
            bool(lab) and near == gid
            for (gid, (_c, _v)), lab, near in zip(s["best"].items(), best_labels, nearest,
                                                   strict=True)
        ]
        rows.append({
            "meeting": name, "method": "synth", "seed": seed, "ari": s["ari"], "ami": s["ami"],
            "found": s["found"], "candidates": len(labels), "scored": s["scored"],
            "named": sum(named) / max(len(named), 1),
            "person_labels": sum(names_a_person(lab, person) for lab in labels.values()),
            "procedural": len(proc),
        })
        report.append(f"\n## {name}: {len(labels)} candidates, ARI {s['ari']:.3f}, "
                      f"AMI {s['ami']:.3f}, found {s['found']:.0%}")
        report.append(f"{'gold priority':<62} {'F1':>5}  best candidate's label (named?)")
        for (gid, (c, value)), lab, ok in zip(s["best"].items(), best_labels, named, strict=True):
            gold = meeting.priorities[gid][:60]
            report.append(f"{gold:<62} {value:>5.2f}  {lab or '-'} "
                          f"({'yes' if ok else 'no'}{', rank ' + str(ranks[c]) if c else ''})")
        report.append("candidates: " + "; ".join(
            f"{ranks[t]}. {lab}" + (" [PERSON]" if names_a_person(lab, person) else "")
            + (" [PROCEDURAL]" if t in proc else "")
            for t, lab in sorted(labels.items(), key=lambda x: ranks[x[0]])))
        if with_references:
            for method, fn in REFERENCES.items():
                r = score(fn(meeting), meeting, REFERENCE_MIN_WORDS)
                rows.append({"meeting": name, "method": method, "ari": r["ari"],
                             "ami": r["ami"], "found": r["found"], "scored": r["scored"]})
        print(f"{name}: ARI {s['ari']:.3f} AMI {s['ami']:.3f} found {s['found']:.0%} "
              f"candidates {len(labels)}", file=sys.stderr, flush=True)
    return rows, report


def _figures(sel: Sequence[dict]) -> list[float]:
    """Means of ARI, AMI and found over ``sel``; for synth's rows also named and candidates
    (means) and the labels with a person's name and procedural candidates (counts)."""
    out = [float(np.mean([r[k] for r in sel])) for k in ("ari", "ami", "found")]
    if "named" in sel[0]:
        out += [float(np.mean([r[k] for r in sel])) for k in ("named", "candidates")]
        out += [sum(r[k] for r in sel) for k in ("person_labels", "procedural")]
    return out


def _columns(figures: Sequence[float]) -> str:
    """:func:`_figures` as the tables' columns (a count averaged over seeds keeps its fraction)."""
    formats = (">6.3f", ">6.3f", ">6.0%", ">6.0%", ">5.1f", ">6.3g", ">4.3g")
    return " ".join(format(v, f) for v, f in zip(figures, formats, strict=False))


def summary_table(rows: Sequence[dict]) -> str:
    """Mean of each method over the meetings, with synth's label checks."""
    out = [f"{'method':<32} {'n':>2} {'ARI':>6} {'AMI':>6} {'found':>6} {'named':>6} "
           f"{'cands':>5} {'person':>6} {'proc':>4}"]
    for method in dict.fromkeys(r["method"] for r in rows):
        sel = [r for r in rows if r["method"] == method]
        out.append(f"{method:<32} {len(sel):>2} {_columns(_figures(sel))}")
    return "\n".join(out)


def seed_table(rows: Sequence[dict]) -> str:
    """synth's means over the meetings, one line per clustering seed, and their mean."""
    synth = [r for r in rows if r["method"] == "synth"]
    seeds = list(dict.fromkeys(r["seed"] for r in synth))
    out = [f"{'seed':<6} {'ARI':>6} {'AMI':>6} {'found':>6} {'named':>6} {'cands':>5} "
           f"{'person':>6} {'proc':>4}"]
    means = [_figures([r for r in synth if r["seed"] == seed]) for seed in seeds]
    for seed, figures in zip([*seeds, "mean"], [*means, list(np.mean(means, axis=0))],
                             strict=True):
        out.append(f"{seed!s:<6} {_columns(figures)}")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="only these meetings (dev1 ...)")
    ap.add_argument("--no-references", action="store_true", help="skip the reference rows")
    ap.add_argument("--out", type=Path, help="write the per-meeting rows as JSON here")
    ap.add_argument("--data", type=Path, default=DATA_DIR,
                    help="a folder of NAME.txt, NAME.roster.csv and NAME.gold.json in the dev "
                         "set's format (default: the shared dev set)")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0], metavar="SEED",
                    help="run everything once per clustering seed and show each seed's means "
                         "(default: 0, the product's seed)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if not args.data.is_dir():
        print(f"no convening data at {args.data}: put ../shared beside the repository or "
              "name a folder with --data", file=sys.stderr)
        return 2
    names = args.only or meeting_names(args.data)
    rows: list[dict] = []
    for n, seed in enumerate(args.seeds):
        # the references draw no seed of synth's: scored once
        seeded, report = evaluate(names, with_references=not args.no_references and n == 0,
                                  data_dir=args.data, seed=seed)
        rows += seeded
        if len(args.seeds) > 1:
            print(f"\n# seed {seed}")
        print("\n".join(report))
    print()
    print(summary_table(rows))
    if len(args.seeds) > 1:
        print()
        print(seed_table(rows))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
