"""What is no candidate priority: side talk, themes held together by nothing said, lead-ins to
other themes' points, and remarks.

The rules run on the themes the clusterer drew, before labels and quotes. A dissolved theme's
statements either rejoin the theme whose statements they most resemble (their own embedding)
or are set aside (-1); a remark is set aside. Every bar is read from the meeting itself, never
a constant of a corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from synth.records import Statement
from synth.text.statements import said_words
from synth.themes.clustering import normalise
from synth.themes.priorities import PriorityList

log = logging.getLogger(__name__)

# A theme more than half of whose statements are among the meeting's least on-topic quarter is
# side talk. A theme drawn at random has a quarter of them there; a shared priority, what
# leaders came to talk about, has fewer; banter, hail stories and "I'll take that one" sign-ups
# have most. The quartile makes the bar the meeting's own, whatever its industry.
SIDE_TALK_SHARE = 0.5
OFF_TOPIC_QUANTILE = 25

# A theme whose statements are no more alike than a random draw of as many statements of the same
# meeting (z below 0, the draw's expected value) is loose: the conversation around its statements
# put them together, not what they say. On the bundled sample one candidate was such a mix
# (permits, hiring and supply chain, z -0.3) while every theme of the six convening dev meetings
# scored 2.3 or more; QMSum val is unchanged. A bar of 1 also dissolved two real themes of the
# recorded sample (z 0.87 and 0.94: Whisper's fragments are less alike than whole sentences).
LOOSE_Z = 0.0

# A turn of at most four words said ("Only six?", "Sorry, Nora.", "Is it a pilot?") that is less
# on-topic than the meeting's median statement is a remark: a joke, an aside, a reply to the
# line before. It carries too little to be evidence for a priority, and in a theme it reads as
# chatter. On the ten convening meetings, 124 of the 139 turns of at most four words carry no
# gold priority (89%), against 4% of the turns of 18 words or more. A short turn that names a
# priority ("Housing.") is on-topic and stays; a sign-up ("QC, me, Aisha, Omar.") still joins
# the theme it names.
REMARK_WORDS = 4

# A theme more than half of whose statements lead up to another theme's point in their own turn
# is no priority of its own: the story a leader tells on the way to the point ("So, I've got the
# supper club out on County K. Third generation." before "nobody's thinking 'I'm going to be a
# chef'"; "We used to get H-2B workers [...] They were like family." before "So I had eighteen
# jobs and no people"). The clusterer draws such stories together, since they sound alike, and
# the round table's asides join them: on a dev meeting one such candidate held a supper club's
# history, the visa lottery and docks in the mud. A turn's last theme is its point, since
# leaders come to the point at the end. On the ten convening meetings, seeds 0-3 (the themes as
# the clusterer draws them, 238 in all), dev3's story theme led in 54-68% of the time and every
# other theme 34% or less (most under 20%). As for side talk, the bar is more than half.
LEAD_IN_SHARE = 0.5


def sift(x: np.ndarray, labels: np.ndarray, priorities: PriorityList | None,
         chatter: np.ndarray | None = None, turns: Sequence[object] | None = None) -> np.ndarray:
    """Labels with side talk set aside (-1), side-talk and loose themes dissolved, themes of
    lead-ins dissolved (given each row's ``turns`` key, in a round table:
    :func:`dissolve_lead_ins`) and the remarks among the rows flagged ``chatter``
    (:func:`short_turns`, :func:`opening_talk`) set aside: the rules in the order theme finding
    applies them."""
    out = dissolve_loose_themes(x, set_aside_side_talk(x, labels, priorities))
    if turns is not None:
        out = dissolve_lead_ins(x, out, turns, priorities)
    return out if chatter is None else set_aside_remarks(x, out, priorities, chatter)


def set_aside_side_talk(x: np.ndarray, labels: np.ndarray,
                        priorities: PriorityList | None) -> np.ndarray:
    """Labels with side-talk themes dissolved: -1 for statements set aside.

    How on-topic a statement is: its closest entry of the priorities partnerships commonly name
    (cosine of its own vector). A theme that is mostly off-topic is no candidate; its statements
    that are not off-topic join the nearest remaining theme, the rest are set aside. Without a
    priority list, or when every theme would go, nothing changes.
    """
    k = int(labels.max()) + 1 if len(labels) else 0
    on = on_topic(x, priorities, OFF_TOPIC_QUANTILE) if k >= 2 else None
    if on is None:
        return labels
    off = ~on  # the meeting's least on-topic quarter
    side = [t for t in range(k) if float(np.mean(off[labels == t])) > SIDE_TALK_SHARE]
    out = _dissolve(normalise(x), labels, side, off)
    if out is not labels:
        log.info("theme finding: %d of %d themes are side talk; %d statements set aside",
                 len(side), k, int(np.sum(out < 0)))
    return out


def dissolve_lead_ins(x: np.ndarray, labels: np.ndarray, turns: Sequence[object],
                      priorities: PriorityList | None) -> np.ndarray:
    """Labels with the themes of lead-ins dissolved (``turns``: each row's turn, rows in
    conversation order).

    A row leads in when a later row of its turn ends the turn in another theme. A theme more
    than ``LEAD_IN_SHARE`` of whose rows lead in is dissolved: each lead-in joins the theme its
    turn ends in, the point it led up to; its other rows are set aside when they are among the
    meeting's least on-topic quarter (as side talk is), else join the nearest remaining theme.
    When every theme would go, nothing changes.
    """
    themes = [int(t) for t in np.unique(labels) if t >= 0]
    if len(themes) < 2:
        return labels
    point: dict[object, int] = {}  # turn -> the theme of its last row in a theme
    for turn, label in zip(turns, labels, strict=True):
        if label >= 0:
            point[turn] = int(label)
    lead = np.array([label >= 0 and point[turn] != label
                     for turn, label in zip(turns, labels, strict=True)], dtype=bool)
    gone = [t for t in themes if float(np.mean(lead[labels == t])) > LEAD_IN_SHARE]
    if not gone or len(gone) == len(themes):
        return labels
    out = labels.copy()
    for i in np.flatnonzero(lead & np.isin(labels, gone)).tolist():
        if point[turns[i]] not in gone:
            out[i] = point[turns[i]]
    on = on_topic(x, priorities, OFF_TOPIC_QUANTILE)  # the least on-topic quarter is off
    off = ~on if on is not None else np.zeros(len(labels), dtype=bool)
    xn = normalise(x)
    log.info("theme finding: %d of %d themes are lead-ins to other themes' points; dissolved",
             len(gone), len(themes))
    return _dissolve(xn, out, gone, off)


def short_turns(members: Sequence[Statement], statements: Sequence[Statement]) -> np.ndarray:
    """For each of ``members``, whether its turn (every statement of it in ``statements``,
    back-channels included) has at most ``REMARK_WORDS`` words said."""
    said: dict[tuple[str, int], int] = {}
    for s in statements:
        key = (s.recording_id, s.turn_index)
        said[key] = said.get(key, 0) + said_words(s.text)
    return np.array([said.get((s.recording_id, s.turn_index), 0) <= REMARK_WORDS
                     for s in members], dtype=bool)


def opening_talk(members: Sequence[Statement], facilitator: Sequence[Statement],
                 clearly_on_topic: np.ndarray | None = None) -> np.ndarray:
    """For each of ``members`` (in conversation order), whether it was said in its recording's
    opening: before the facilitator's first question (a sentence of theirs with a question
    mark) and, given ``clearly_on_topic`` (per member, :func:`on_topic`), before the first
    clearly on-topic statement (one of the meeting's most on-topic quarter, as the side-talk
    rule reads its least on-topic quarter), which starts the meeting whatever the facilitator
    asks. A recording in which the facilitator asks nothing has no opening.

    What leaders say before the facilitator first asks the room anything is the meeting getting
    started: the coffee, the hour, the room ("Nine-thirty for me, so talk fast.", "Is there
    green chile in these?"). On the ten convening meetings none of the 35 lines said before the
    facilitator's first question carries a gold priority; two such lines tipped a check
    meeting's candidate into a procedural one. Like a short turn, such a statement is a remark
    only when it is off-topic (:func:`set_aside_remarks`), so a leader who opens on the industry
    keeps their words in a theme; and a facilitator whose first question comes late (a table's
    recording with one "Anything else?" at its end) leaves the talk before it alone once it is
    clearly on the industry. Banter can sound like the industry ("Pickup window's fifteen
    minutes. You're fine." at a logistics convening, more on-topic than the median statement):
    only the most on-topic quarter starts the meeting.
    """
    first: dict[str, int] = {}
    for s in sorted(facilitator, key=lambda s: s.position):
        if "?" in s.text:
            first.setdefault(s.recording_id, s.position)
    started: set[str] = set()
    out = np.zeros(len(members), dtype=bool)
    for k, s in enumerate(members):
        if clearly_on_topic is not None and clearly_on_topic[k]:
            started.add(s.recording_id)
        out[k] = s.recording_id not in started and s.position < first.get(s.recording_id,
                                                                           s.position)
    return out


def on_topic(x: np.ndarray, priorities: PriorityList | None,
             percentile: float = 50) -> np.ndarray | None:
    """Per statement, whether it is at least as on-topic (:func:`_topicality`) as the
    meeting's statement at ``percentile`` (the median by default); None without a priority
    list."""
    if priorities is None or not len(priorities.entries) or not len(x):
        return None
    topical = _topicality(normalise(x), priorities)
    return topical >= np.percentile(topical, percentile)


def set_aside_remarks(x: np.ndarray, labels: np.ndarray, priorities: PriorityList | None,
                      chatter: np.ndarray) -> np.ndarray:
    """Labels with remarks set aside (-1): the rows flagged ``chatter`` (a turn of a few words,
    :func:`short_turns`; the opening, :func:`opening_talk`) that are less on-topic than the
    meeting's median statement. Without a priority list nothing changes."""
    on = on_topic(x, priorities) if len(labels) else None
    if on is None:
        return labels
    remark = chatter & ~on & (labels >= 0)
    if not remark.any():
        return labels
    log.info("theme finding: %d off-topic remarks set aside (short turns, the opening)",
             int(remark.sum()))
    return np.where(remark, -1, labels)


def _topicality(xn: np.ndarray, priorities: PriorityList) -> np.ndarray:
    """How on-topic each statement (unit row) is: the cosine to its closest listed priority."""
    return (xn @ np.asarray(priorities.vectors, dtype=np.float64).T).max(axis=1)


def coherence_z(centred: np.ndarray, rows: np.ndarray) -> float:
    """How much more alike the statements ``rows`` are than as many drawn at random.

    ``centred``: the meeting's unit statement vectors minus their mean. The statistic is the
    squared length of the rows' mean vector; drawn at random without replacement from N
    statements, n of them have E = f tr(S) and variance about 2 f^2 tr(S^2), with S the
    vectors' covariance and f = (N - n) / ((N - 1) n). Returns (observed - E) / sd: near 0 for
    statements with nothing in common, large for a theme. Exact and deterministic, no sampling.
    """
    n_all, n = len(centred), len(rows)
    if n < 2 or n >= n_all:
        return float("inf")
    f = (n_all - n) / ((n_all - 1) * n)
    cov = centred.T @ centred / n_all
    spread = float(np.sqrt(2.0 * np.sum(cov * cov)))
    if spread <= 0:
        return float("inf")
    mean = centred[rows].mean(axis=0)
    return float((mean @ mean - f * np.trace(cov)) / (f * spread))


def dissolve_loose_themes(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Labels with loose themes dissolved: their statements rejoin the nearest other theme.

    A theme is loose when its statements' own embeddings are no more alike than a random draw of
    the meeting's (:func:`coherence_z` below ``LOOSE_Z``). Statements set aside (-1) stay so;
    when every theme is loose, nothing changes.
    """
    themes = [int(t) for t in np.unique(labels) if t >= 0]
    if len(themes) < 2:
        return labels
    xn = normalise(x)
    centred = xn - xn.mean(axis=0, keepdims=True)
    loose = [t for t in themes if coherence_z(centred, np.flatnonzero(labels == t)) < LOOSE_Z]
    out = _dissolve(xn, labels, loose, np.zeros(len(labels), dtype=bool))
    if out is not labels:
        log.info("theme finding: %d of %d themes are loose (held together by their context "
                 "only); their statements rejoin the nearest theme", len(loose), len(themes))
    return out


def _dissolve(xn: np.ndarray, labels: np.ndarray, gone: list[int],
              set_aside: np.ndarray) -> np.ndarray:
    """``labels`` with the themes ``gone`` dissolved (the same object when nothing changes).

    Their statements flagged in ``set_aside`` get -1, the others the remaining theme with the
    closest mean (unit) vector.
    """
    kept = [int(t) for t in np.unique(labels) if t >= 0 and t not in gone]
    if not gone or not kept:
        return labels
    centroids = normalise(np.vstack([xn[labels == t].mean(axis=0) for t in kept]))
    out = labels.copy()
    for i in np.flatnonzero(np.isin(labels, gone)):
        out[i] = -1 if set_aside[i] else kept[int(np.argmax(centroids @ xn[i]))]
    return out
