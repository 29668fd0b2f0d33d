"""Evaluate theme finding on real meetings (QMSum) against human topic annotations.

Runs the product path (turns -> statements -> embeddings -> find_themes) on each meeting of a
split, maps each turn to the majority theme of its statements and scores the turn clusters
against the annotated topics, beside simple reference methods scored by the same code:

* one cluster;
* TF-IDF + k-means on the turn text, told the true number of topics;
* contiguous equal time blocks, told the true number of topics.

Two conditions: the meetings as they are, and the meetings with each topic's span cut into three
blocks whose order is shuffled with a fixed seed (so that themes come back, as in a brainstorm).

Scoring (see ../shared/data/README.md): only turns with at least 5 words and exactly one topic
are scored; ARI and adjusted mutual information of turn cluster vs topic, where an unassigned
turn counts as its own singleton cluster; coverage = share of scored turns given a real cluster;
macro means over meetings and per domain (AMI, ICSI, committee).

Usage::

    .venv/bin/python pipelines/evaluate_themes.py --split val [--limit N] [--out results.json]

``--set name=value`` (repeatable) changes one knob of :class:`synth.themes.clustering.ClusterParams`
for the run, so a tuning figure quoted elsewhere can be reproduced with this same code, e.g.
``--set context_share=0.035 --set own_weight=0.3``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(ROOT))

from synth.records import Statement, Turn  # noqa: E402
from synth.themes.clustering import ClusterParams  # noqa: E402

log = logging.getLogger("evaluate_themes")

DATA_DIR = ROOT.parent / "shared" / "data" / "qmsum"
CACHE_DIR = ROOT / ".cache" / "evaluate_themes"
MIN_WORDS = 5
SHUFFLE_BLOCKS = 3
SHUFFLE_SEED = 13
SECONDS_PER_WORD = 0.4  # QMSum has no timings; talk time is taken as proportional to words

_MARKUP = re.compile(r"\{[a-z_]+\}", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True, slots=True)
class Meeting:
    """One annotated meeting: its turns in order and the topics each turn belongs to."""

    name: str
    domain: str  # "AMI", "ICSI" or "committee"
    speakers: tuple[str, ...]
    texts: tuple[str, ...]  # markup stripped
    topics: tuple[frozenset[int], ...]  # topic indices each turn is annotated with
    topic_names: tuple[str, ...] = ()  # the annotators' name of each topic, by index

    def __len__(self) -> int:
        return len(self.texts)


def clean_text(text: str) -> str:
    """Strip QMSum markup ({disfmarker}, {vocalsound}, {pause} ...) and collapse spaces."""
    return _SPACES.sub(" ", _MARKUP.sub(" ", text)).strip()


def domain_of(name: str) -> str:
    """AMI = ES/IS/TS files, ICSI = B*, committee = everything else (education_*, covid_*)."""
    if name[:2] in {"ES", "IS", "TS"}:
        return "AMI"
    if name.startswith("B"):
        return "ICSI"
    return "committee"


def load_meeting(path: Path) -> Meeting:
    """Read one QMSum file; spans are inclusive turn indices stored as strings."""
    data = json.loads(path.read_text(encoding="utf-8"))
    turns = data["meeting_transcripts"]
    topics: list[set[int]] = [set() for _ in turns]
    for t_index, topic in enumerate(data["topic_list"]):
        for start, end in topic["relevant_text_span"]:
            for i in range(int(start), min(int(end), len(turns) - 1) + 1):
                topics[i].add(t_index)
    return Meeting(
        name=path.stem,
        domain=domain_of(path.stem),
        speakers=tuple(str(t.get("speaker") or "") for t in turns),
        texts=tuple(clean_text(str(t.get("content") or "")) for t in turns),
        topics=tuple(frozenset(s) for s in topics),
        topic_names=tuple(str(t.get("topic") or "") for t in data["topic_list"]),
    )


def load_split(split: str, limit: int | None = None, data_dir: Path = DATA_DIR) -> list[Meeting]:
    """All meetings of a split in file-name order (the first ``limit`` when given)."""
    paths = sorted((data_dir / split).glob("*.json"))
    if limit:
        paths = paths[:limit]
    return [load_meeting(p) for p in paths]


def shuffle_blocks(
    meeting: Meeting, seed: int = SHUFFLE_SEED, blocks: int = SHUFFLE_BLOCKS
) -> Meeting:
    """The meeting with each topic span cut into ``blocks`` pieces whose order is shuffled.

    The meeting is cut into maximal runs of turns with the same topic set; each run that has a
    topic is cut into ``blocks`` near-equal pieces, runs without a topic stay whole, and all the
    pieces are put in an order drawn with ``seed``. Turns keep their text, speaker and topics.
    """
    runs: list[list[int]] = []
    for i, topics in enumerate(meeting.topics):
        if runs and meeting.topics[runs[-1][-1]] == topics:
            runs[-1].append(i)
        else:
            runs.append([i])
    pieces: list[list[int]] = []
    for run in runs:
        if meeting.topics[run[0]] and len(run) >= blocks:
            pieces.extend(list(map(int, p)) for p in np.array_split(np.array(run), blocks))
        else:
            pieces.append(run)
    order = np.random.default_rng(seed).permutation(len(pieces))
    index = [i for p in order for i in pieces[p]]
    return replace(
        meeting,
        name=meeting.name,
        speakers=tuple(meeting.speakers[i] for i in index),
        texts=tuple(meeting.texts[i] for i in index),
        topics=tuple(meeting.topics[i] for i in index),
    )


def meeting_turns(meeting: Meeting, condition: str = "as-is") -> list[Turn]:
    """Product turns for a meeting, with talk time taken as proportional to words."""
    recording = hashlib.sha256(f"qmsum/{meeting.name}/{condition}".encode()).hexdigest()[:16]
    turns, clock = [], 0.0
    for i, (speaker, text) in enumerate(zip(meeting.speakers, meeting.texts, strict=True)):
        duration = max(1, len(text.split())) * SECONDS_PER_WORD
        turns.append(
            Turn(
                recording_id=recording,
                index=i,
                start=round(clock, 2),
                end=round(clock + duration, 2),
                text=text,
                speaker=speaker or None,
                line=i,
            )
        )
        clock += duration + 0.2
    return turns


# --------------------------------------------------------------------------- scoring


def scored_mask(meeting: Meeting, min_words: int = MIN_WORDS) -> np.ndarray:
    """Turns that are scored: at least ``min_words`` words and exactly one topic."""
    return np.array(
        [
            len(t.split()) >= min_words and len(tp) == 1
            for t, tp in zip(meeting.texts, meeting.topics, strict=True)
        ],
        dtype=bool,
    )


def score_clusters(clusters: Sequence[int | None], meeting: Meeting) -> dict[str, float]:
    """ARI, adjusted MI and coverage of per-turn clusters (None = unassigned) on scored turns.

    Each unassigned turn becomes its own singleton cluster, so leaving turns out is never free.
    """
    if len(clusters) != len(meeting):
        raise ValueError(f"{len(clusters)} clusters for {len(meeting)} turns")
    mask = scored_mask(meeting)
    idx = np.flatnonzero(mask)
    truth = [next(iter(meeting.topics[i])) for i in idx]
    predicted, covered = [], 0
    for i in idx:
        c = clusters[i]
        if c is None:
            predicted.append(f"unassigned-{i}")
        else:
            predicted.append(f"c{c}")
            covered += 1
    if len(idx) == 0:
        return {"ari": 0.0, "ami": 0.0, "coverage": 0.0, "scored": 0}
    return {
        "ari": float(adjusted_rand_score(truth, predicted)),
        "ami": float(adjusted_mutual_info_score(truth, predicted)),
        "coverage": covered / len(idx),
        "scored": len(idx),
    }


def true_k(meeting: Meeting) -> int:
    """Number of distinct topics among the scored turns."""
    mask = scored_mask(meeting)
    return len({next(iter(meeting.topics[i])) for i in np.flatnonzero(mask)})


# --------------------------------------------------------------------------- reference methods


def one_cluster(meeting: Meeting) -> list[int | None]:
    """Every turn in one cluster."""
    return [0] * len(meeting)


def tfidf_kmeans(meeting: Meeting) -> list[int | None]:
    """TF-IDF + k-means on the turn text alone, told the true number of topics."""
    k = max(1, true_k(meeting))
    texts = [t if t.strip() else "_" for t in meeting.texts]
    x = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)
    if x.shape[1] == 0 or k == 1:
        return [0] * len(meeting)
    labels = KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(x)
    return [int(c) for c in labels]


def time_blocks(meeting: Meeting) -> list[int | None]:
    """Contiguous blocks of equal talk time, told the true number of topics."""
    k = max(1, true_k(meeting))
    words = np.array([max(1, len(t.split())) for t in meeting.texts], dtype=float)
    middle = np.cumsum(words) - words / 2
    return [int(c) for c in np.minimum((middle / words.sum() * k).astype(int), k - 1)]


REFERENCES: dict[str, Callable[[Meeting], list[int | None]]] = {
    "one cluster": one_cluster,
    "tfidf+kmeans (true k)": tfidf_kmeans,
    "time blocks (true k)": time_blocks,
}


# --------------------------------------------------------------------------- diagnostics
# Where is the error: in where topics change, or in which stretches are linked as one theme?
# Each diagnostic keeps one half of synth's answer and takes the other half from the truth.


def _runs(keys: Sequence) -> list[range]:
    """Maximal runs of equal consecutive keys, as index ranges."""
    out: list[range] = []
    start = 0
    for i in range(1, len(keys) + 1):
        if i == len(keys) or keys[i] != keys[start]:
            out.append(range(start, i))
            start = i
    return out


def _majority(values: Sequence) -> object | None:
    """Most frequent non-None value (ties: the one seen first), None if there is none."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    return max(counts, key=lambda v: (counts[v], -values.index(v)))


def true_spans_synth_links(clusters: Sequence[int | None], meeting: Meeting) -> list[int | None]:
    """Perfect boundaries: each true topic span takes the majority of synth's clusters in it.

    Spans are runs of one topic over the scored turns; the gap to 1.0 is synth's linking error.
    """
    idx = np.flatnonzero(scored_mask(meeting))
    truth = [next(iter(meeting.topics[i])) for i in idx]
    out: list[int | None] = [None] * len(meeting)
    for run in _runs(truth):
        label = _majority([clusters[idx[j]] for j in run])
        for j in run:
            out[idx[j]] = label  # type: ignore[assignment]
    return out


def synth_runs_true_links(clusters: Sequence[int | None], meeting: Meeting) -> list[int | None]:
    """Perfect linking: each run of one synth cluster over the scored turns takes its majority
    true topic (unassigned turns stay unassigned); the gap to 1.0 is synth's boundary error."""
    idx = np.flatnonzero(scored_mask(meeting))
    truth = [next(iter(meeting.topics[i])) for i in idx]
    found = [clusters[i] for i in idx]
    out: list[int | None] = [None] * len(meeting)
    for run in _runs(found):
        if found[run.start] is None:
            continue
        topic = _majority([truth[j] for j in run])
        for j in run:
            out[idx[j]] = topic  # type: ignore[assignment]
    return out


DIAGNOSTICS: dict[str, Callable[[Sequence[int | None], Meeting], list[int | None]]] = {
    "true spans+synth links": true_spans_synth_links,
    "synth runs+true links": synth_runs_true_links,
}


# --------------------------------------------------------------------------- the product path


def _statement_step(cache_dir: Path) -> Callable[[Sequence[Turn]], list[Statement]]:
    """The product's statement step (synth.text.statements + the packaged spaCy model).

    Results are cached on disk by a hash of the turns, because parsing is the slow part of a
    rerun and the statement step is not what this evaluation tunes.
    """
    import synth.text.statements
    from synth.models import load_nlp
    from synth.records import to_dict
    from synth.text.statements import extract_statements

    nlp = None
    # The statement code is part of the key: a change to it (which statements are procedural,
    # which phrases are tagged) must not be hidden by statements cached before it.
    code = Path(synth.text.statements.__file__).read_bytes()

    def run(turns: Sequence[Turn]) -> list[Statement]:
        nonlocal nlp
        key = hashlib.sha1(
            json.dumps([to_dict(t) for t in turns], sort_keys=True).encode() + code
        ).hexdigest()
        path = cache_dir / f"{key}.json"
        if path.exists():
            return [Statement(**d) for d in json.loads(path.read_text())]
        nlp = nlp or load_nlp()
        statements = extract_statements(turns, nlp)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([to_dict(s) for s in statements]))
        return statements

    return run


def _embed_step(cache_dir: Path) -> Callable[[list[str]], np.ndarray]:
    """The product's embedding step, cached on disk by text hash."""
    from synth.text.embed import embed_texts

    return lambda texts: embed_texts(texts, cache_dir=cache_dir)


def turn_themes(
    statements: Sequence[Statement], assignment: dict[str, str | None], n_turns: int
) -> list[int | None]:
    """Each turn's cluster: the majority theme of its assigned statements (None if none),
    numbered in order of first appearance."""
    numbering: dict[str, int] = {}
    return [None if t is None else numbering.setdefault(t, len(numbering))
            for t in turn_theme_ids(statements, assignment, n_turns)]


def turn_theme_ids(
    statements: Sequence[Statement], assignment: dict[str, str | None], n_turns: int
) -> list[str | None]:
    """Each turn's theme id: the majority (by words) of its assigned statements, or None.

    Ties go to the theme whose statements in the turn come first, so the result is deterministic.
    """
    votes: list[Counter[str]] = [Counter() for _ in range(n_turns)]
    first: list[dict[str, int]] = [{} for _ in range(n_turns)]
    for s in statements:
        theme = assignment.get(s.id)
        if theme is None:
            continue
        votes[s.turn_index][theme] += len(s.text.split()) or 1
        first[s.turn_index].setdefault(theme, s.position)
    return [max(v, key=lambda t, v=v, f=f: (v[t], -f[t])) if v else None
            for v, f in zip(votes, first, strict=True)]


def topic_labels(meeting: Meeting, theme_of_turn: Sequence[str | None],
                 labels: dict[str, str]) -> list[tuple[str, float, str]]:
    """Each annotated topic beside the label of the theme whose turns match its turns best
    (F1 over turns; "-" when none overlaps), to read whether the label names the topic."""
    out = []
    for index, name in enumerate(meeting.topic_names):
        gold = {i for i, topics in enumerate(meeting.topics) if index in topics}
        best, score = "-", 0.0
        for theme in sorted({t for t in theme_of_turn if t is not None}):
            mine = {i for i, t in enumerate(theme_of_turn) if t == theme}
            f1 = 2 * len(gold & mine) / (len(gold) + len(mine)) if gold else 0.0
            if f1 > score:
                best, score = labels.get(theme, theme), f1
        out.append((name, round(score, 3), best))
    return out


def run_product(
    meeting: Meeting, condition: str, statements_of, embed, settings
) -> tuple[list[int | None], dict]:
    """Turn clusters from the product path, plus run facts (themes found, seconds)."""
    from synth.themes.candidates import find_themes
    from synth.themes.priorities import embed_priorities, load_priorities

    turns = meeting_turns(meeting, condition)
    statements = statements_of(turns)
    vectors = embed([s.text for s in statements]) if statements else np.zeros((0, 384), np.float32)
    # as synthesize does: the shipped priority list names themes and sets side talk aside
    common = embed_priorities(load_priorities(), embed)
    t0 = time.perf_counter()
    result = find_themes(statements, vectors, settings=settings, priorities=common, embed=embed)
    seconds = time.perf_counter() - t0
    ids = turn_theme_ids(statements, result.assignment, len(turns))
    numbering: dict[str, int] = {}
    clusters = [None if t is None else numbering.setdefault(t, len(numbering)) for t in ids]
    return clusters, {
        "themes": len(result.themes),
        "seconds": seconds,
        "statements": len(statements),
        "labels": [t.label for t in result.themes],
        "topics": topic_labels(meeting, ids, {t.id: t.label for t in result.themes}),
    }


# --------------------------------------------------------------------------- report


def summarise(rows: list[dict], method: str, condition: str) -> dict[str, dict[str, float]]:
    """Macro means of the scores of one method and condition, overall and per domain."""
    picked = [r for r in rows if r["method"] == method and r["condition"] == condition]
    out: dict[str, dict[str, float]] = {}
    for domain in ("all", "AMI", "ICSI", "committee"):
        sel = [r for r in picked if domain == "all" or r["domain"] == domain]
        if not sel:
            continue
        out[domain] = {
            key: float(np.mean([r[key] for r in sel]))
            for key in ("ari", "ami", "coverage", "themes")
        } | {"meetings": len(sel)}
    return out


def format_table(summary: dict[str, dict[str, dict[str, dict[str, float]]]]) -> str:
    """One plain-text table: method x condition x domain."""
    lines = [
        f"{'method':<24} {'condition':<9} {'domain':<10} {'n':>3} "
        f"{'ARI':>6} {'AMI':>6} {'cover':>6} {'themes':>6}"
    ]
    for method, by_condition in summary.items():
        for condition, by_domain in by_condition.items():
            for domain, s in by_domain.items():
                lines.append(
                    f"{method:<24} {condition:<9} {domain:<10} {int(s['meetings']):>3} "
                    f"{s['ari']:>6.3f} {s['ami']:>6.3f} {s['coverage']:>6.3f} {s['themes']:>6.1f}"
                )
    return "\n".join(lines)


def evaluate(
    meetings: Sequence[Meeting],
    *,
    settings=None,
    with_references: bool = True,
    with_diagnostics: bool = False,
    cache_dir: Path = CACHE_DIR,
    progress: bool = True,
) -> tuple[list[dict], dict]:
    """Score the product and the references on each meeting in both conditions."""
    from synth.themes.candidates import ThemeSettings

    settings = settings or ThemeSettings()
    statements_of = _statement_step(cache_dir / "statements")
    embed = _embed_step(cache_dir / "embeddings")
    rows: list[dict] = []
    for n, base in enumerate(meetings):
        for condition in ("as-is", "shuffled"):
            meeting = base if condition == "as-is" else shuffle_blocks(base)
            clusters, facts = run_product(meeting, condition, statements_of, embed, settings)
            rows.append(_row(base, condition, "synth", meeting, clusters) | facts)
            others = (
                [(name, d(clusters, meeting)) for name, d in DIAGNOSTICS.items()]
                if with_diagnostics
                else []
            )
            if with_references:
                others += [(name, method(meeting)) for name, method in REFERENCES.items()]
            for name, found in others:
                rows.append(
                    _row(base, condition, name, meeting, found)
                    | {"themes": len({c for c in found if c is not None})}
                )
        if progress:
            _report_progress(n, len(meetings), base, rows)
    methods = (
        ["synth"]
        + (list(DIAGNOSTICS) if with_diagnostics else [])
        + (list(REFERENCES) if with_references else [])
    )
    summary = {m: {c: summarise(rows, m, c) for c in ("as-is", "shuffled")} for m in methods}
    return rows, summary


def _row(base: Meeting, condition: str, method: str, meeting: Meeting,
         clusters: Sequence[int | None]) -> dict:
    """One method's scores on one meeting in one condition (``meeting`` as it was clustered)."""
    return {
        "meeting": base.name,
        "domain": base.domain,
        "condition": condition,
        "method": method,
        "true_k": true_k(meeting),
        **score_clusters(clusters, meeting),
    }


def _report_progress(n: int, total: int, base: Meeting, rows: list[dict]) -> None:
    """One line on stderr per meeting: the product's score in each condition, and its time."""
    last = [r for r in rows if r["meeting"] == base.name and r["method"] == "synth"]
    print(
        f"[{n + 1}/{total}] {base.name:<14} "
        + "  ".join(
            f"{r['condition']}: ARI {r['ari']:.3f} k {r['themes']}/{r['true_k']} "
            f"{r['seconds']:.1f}s"
            for r in last
        ),
        file=sys.stderr,
        flush=True,
    )


def label_table(rows: list[dict]) -> str:
    """Per meeting as is: synth's labels, then each annotated topic with the F1 and label of
    its best-matching theme."""
    lines = []
    for r in rows:
        if r["method"] != "synth" or r["condition"] != "as-is":
            continue
        lines.append(f"## {r['meeting']}: " + "; ".join(r["labels"]))
        lines += [f"  {name[:60]:<60} {f1:4.2f}  {label}" for name, f1, label in r["topics"]]
    return "\n".join(lines)


def _knob_value(value: str, default: object) -> object:
    """``value`` read as the type of the knob's ``default`` (ValueError if it cannot be)."""
    if isinstance(default, tuple):
        parts = tuple(int(v) for v in value.split(","))
        if len(parts) != len(default):
            raise ValueError(value)
        return parts
    return type(default)(value)


def cluster_overrides(pairs: Sequence[str]) -> ClusterParams:
    """``ClusterParams`` with ``name=value`` pairs applied; ValueError naming what is wrong."""
    params = ClusterParams()
    defaults = {f.name: getattr(params, f.name) for f in fields(params)}
    changes: dict[str, object] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or name not in defaults:
            names = ", ".join(sorted(defaults))
            raise ValueError(f"--set {pair!r}: expected name=value with name one of {names}")
        try:
            changes[name] = _knob_value(value, defaults[name])
        except ValueError:
            what = {int: "a whole number", float: "a number"}.get(
                type(defaults[name]), "whole numbers separated by commas, such as 3,7"
            )
            raise ValueError(f"--set {pair!r}: {name} must be {what}") from None
    return replace(params, **changes)


def _parser() -> argparse.ArgumentParser:
    """The command line of this evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", default="val", choices=["train", "val"])
    parser.add_argument("--limit", type=int, default=None, help="only the first N meetings")
    parser.add_argument(
        "--out", type=Path, default=None, help="write rows and summary as JSON here"
    )
    parser.add_argument("--no-references", action="store_true")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also score synth with true boundaries or with true linking (where the error is)",
    )
    parser.add_argument("--n-themes", type=int, default=None, help="fix the number of themes")
    parser.add_argument(
        "--labels",
        action="store_true",
        help="also print, per meeting as is, each annotated topic beside its best theme's label",
    )
    parser.add_argument(
        "--stability-runs",
        type=int,
        default=0,
        help="stability subsamples per meeting (they do not change the clusters; 0 saves time)",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change one clustering knob (synth.themes.clustering.ClusterParams) for this run",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    from synth.themes.candidates import ThemeSettings

    try:
        cluster = cluster_overrides(args.set)
    except ValueError as err:
        parser.error(str(err))
    meetings = load_split(args.split, args.limit)
    if not meetings:
        parser.error(f"no meetings found for split {args.split!r} under {DATA_DIR}")
    settings = ThemeSettings(
        n_themes=args.n_themes, stability_runs=args.stability_runs, cluster=cluster
    )
    t0 = time.perf_counter()
    rows, summary = evaluate(
        meetings,
        settings=settings,
        with_references=not args.no_references,
        with_diagnostics=args.diagnose,
    )
    print(format_table(summary))
    if args.labels:
        print(label_table(rows))
    print(f"{len(meetings)} meetings of {args.split}, {time.perf_counter() - t0:.0f} s")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"split": args.split, "summary": summary, "rows": rows}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
