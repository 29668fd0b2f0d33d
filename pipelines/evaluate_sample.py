"""Theme recovery on the bundled sample convening, against the themes its script intended.

    .venv/bin/python pipelines/evaluate_sample.py [--audio [--no-voices]] [--model base] [--seed 1]

Runs the real pipeline on the sample (the text transcript by default, the recording with
``--audio``), then scores the statements of business and public speakers whose script line has
a theme: adjusted Rand index and adjusted mutual information between found and intended themes,
how many intended themes are found (some candidate matches the theme's statements with F1 >= 0.5,
as ``evaluate_convenings.py`` counts them), and for each intended theme the found theme holding
most of it (purity) and its label. ``--seed`` seeds the clustering (0, the product's, by default):
on a meeting this short another seed can find a theme more or less.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections import Counter
from pathlib import Path

from evaluate_convenings import FOUND_F1, f1
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "convening"
ROSTER = SAMPLE / "roster.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--audio", action="store_true", help="start from the recording")
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--no-voices", action="store_true",
                    help="with --audio: leave the roster's voice samples out (voices stay "
                         "S1, S2 ..., the facilitator's talk is clustered), as for a roster "
                         "without samples")
    ap.add_argument("--seed", type=int, default=0, help="the clustering's seed (default 0)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    from synth.convening.pipeline import synthesize
    from synth.text.roster import load_roster, load_voices
    from synth.themes.candidates import ThemeSettings

    ref = json.loads((SAMPLE / "reference.json").read_text())["lines"]
    roster = load_roster(ROSTER)
    source = SAMPLE / ("convening.ogg" if args.audio else "convening.txt")
    # as `make run` does: the roster's voice samples name the voices, so the facilitator's
    # talk is known as hers and not clustered
    result = synthesize([source], roster=roster, model=args.model,
                        speakers="roster" if args.audio else None,
                        voices=load_voices(ROSTER)
                        if args.audio and not args.no_voices else None,
                        theme_settings=ThemeSettings(seed=args.seed))
    assignment = result.themes.assignment  # type: ignore[attr-defined]
    labels = {t.id: t.label for t in result.themes.themes}  # type: ignore[attr-defined]
    truth, found = [], []
    for s in result.statements:
        if not s.clusterable:
            continue
        if args.audio:  # the reference line whose time span holds the statement's middle
            mid = (s.start + s.end) / 2
            line = min(ref, key=lambda r: 0 if r["start"] <= mid <= r["end"]
                       else min(abs(r["start"] - mid), abs(r["end"] - mid)))
        else:
            line = ref[s.line]
        if line["theme"] is None:
            continue
        truth.append(line["theme"])
        found.append(assignment[s.id] or f"unassigned-{s.id}")
    print(f"sample convening ({'audio, ' + args.model if args.audio else 'transcript'}, "
          f"seed {args.seed}): "
          f"{len(truth)} themed statements, {len(labels)} candidates found, 5 intended")
    print(f"ARI {adjusted_rand_score(truth, found):.3f}  "
          f"AMI {adjusted_mutual_info_score(truth, found):.3f}  "
          f"found {sum(f >= FOUND_F1 for f in best_f1(truth, found).values())}/5 "
          f"(a candidate's statements match the theme's with F1 >= {FOUND_F1})")
    for theme, value in best_f1(truth, found).items():
        where = Counter(f for t, f in zip(truth, found, strict=True) if t == theme)
        best, n = where.most_common(1)[0]
        print(f"  {theme:18} -> {labels.get(best, 'unassigned')!r:40} "
              f"{n}/{sum(where.values())} statements, best F1 {value:.2f}")


def best_f1(truth: list[str], found: list[str]) -> dict[str, float]:
    """Each intended theme's best F1 with a found theme, over the themed statements."""
    out = {}
    for theme in sorted(set(truth)):
        mine = {i for i, t in enumerate(truth) if t == theme}
        out[theme] = max(f1(mine, {i for i, f in enumerate(found) if f == c})
                         for c in set(found))
    return out


if __name__ == "__main__":
    main()
