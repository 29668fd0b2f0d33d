"""Word error rate with the normalisation the project reports it under.

Lower-cased, punctuation removed, numbers written as words ("1961" -> "nineteen sixty one"
is not attempted; digits become their cardinal words), hyphens split, so that formatting
choices of the recogniser do not count as errors.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
         "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """Cardinal words for 0 <= n < 10**12."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + number_words(rest))
    for size, word in ((10**9, "billion"), (10**6, "million"), (10**3, "thousand")):
        if n >= size:
            rest = n % size
            return (number_words(n // size) + f" {word}"
                    + ("" if rest == 0 else " " + number_words(rest)))
    raise ValueError(n)  # pragma: no cover


def normalise_words(text: str) -> list[str]:
    """Lower-case words with punctuation removed and digits spelled out."""
    text = text.lower().replace("%", " percent")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)  # 1,000 -> 1000
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " "
                  if len(m.group()) < 12 else m.group(), text)
    text = re.sub(r"[-–—/]", " ", text)
    text = re.sub(r"[^\w\s']", "", text).replace("'", "")
    return text.split()


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions).

    One numpy row at a time, so an hour of transcript (10,000 words each side) takes about a
    second: the within-row insertion step d[j] = min(d[j], d[j-1] + 1) is a running minimum of
    d[k] - k, shifted back by j.
    """
    if not ref or not hyp:
        return len(ref) + len(hyp)
    ids: dict[str, int] = {}
    r = np.array([ids.setdefault(w, len(ids)) for w in ref])
    h = np.array([ids.setdefault(w, len(ids)) for w in hyp])
    steps = np.arange(len(h) + 1)
    prev = steps.copy()
    for i, word in enumerate(r, 1):
        cur = np.empty_like(prev)
        cur[0] = i
        cur[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (h != word))
        prev = np.minimum.accumulate(cur - steps) + steps
    return int(prev[-1])


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word errors divided by reference words, after :func:`normalise_words`."""
    ref, hyp = normalise_words(reference), normalise_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
