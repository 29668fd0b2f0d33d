"""The convening result as the documented JSON and as a readable Markdown summary.

Both are deterministic: the same input and settings give byte-identical output (no run
times, no absolute paths). Labels are marked as generated; quotes are the transcript's words.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Any

from synth.convening.pipeline import Convening, talk_time_by_role

SCHEMA_VERSION = 1


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md_escape(text: str) -> str:
    """Escape Markdown so participants' words render as exactly what they said, never markup."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _clock(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def result_dict(c: Convening) -> dict[str, Any]:
    """The JSON contract documented in the README."""
    themes = c.themes.themes  # type: ignore[attr-defined]
    assignment = c.themes.assignment  # type: ignore[attr-defined]
    people = {p.name: p for p in c.participants}
    # Whisper's word probabilities go with each statement, so the store can pick and mark
    # quotes by them; a typed transcript's statements have none (null).
    probs = c.word_probs_by_statement()
    has_roles = any(p.role == "business" for p in c.participants)

    def breadth(speakers: tuple[str, ...]) -> int:
        # The partnership is industry-driven: with a roster, breadth counts business leaders.
        if not has_roles:
            return len(speakers)
        return sum(1 for s in speakers if s in people and people[s].role == "business")

    data = {
        "schema": SCHEMA_VERSION,
        "recordings": [asdict(t.recording) | {"language": t.language, "model": t.model,
                                              "turns": len(t.turns),
                                              "removed": [asdict(r) for r in t.removed]}
                       for t in c.transcripts],
        "participants": [asdict(p) for p in c.participants],
        "talk_time_by_role": talk_time_by_role(c.transcripts, people),
        "statements": [
            {"id": s.id, "text": s.text, "speaker": s.speaker, "start": s.start, "end": s.end,
             "recording": s.recording_id, "line": s.line, "turn": s.turn_index,
             "kind": s.kind, "clusterable": s.clusterable, "theme": assignment.get(s.id),
             "word_probs": list(probs[s.id]) if s.id in probs else None}
            for s in c.statements
        ],
        "themes": [
            {"id": t.id, "rank": rank, "label": t.label, "label_generated": t.label_generated,
             "read_back": t.read_back,
             "keywords": list(t.keywords), "statement_ids": list(t.statement_ids),
             "statement_count": len(t.statement_ids), "speakers": list(t.speakers),
             "breadth": breadth(t.speakers), "companies": list(t.companies),
             "talk_share": t.talk_share, "stability": t.stability, "kinds": dict(t.kinds),
             "quotes": [asdict(q) for q in t.quotes]}
            for rank, t in enumerate(themes, start=1)
        ],
    }
    if c.notes:  # only with notes: a result of talk alone stays as it was, byte for byte
        _add_written(data, c)
    if c.followup is not None:  # only with known priorities, likewise
        _add_known(data, c)
    return data


def _add_known(data: dict[str, Any], c: Convening) -> None:
    """The partnership's known priorities and what this meeting said about each again: its
    theme (:func:`synth.themes.followup.known_themes`, marked with the priority's id) or none;
    each statement says which known priority it went to, and the bar it had to reach."""
    from synth.themes.followup import FollowUpMatch, KnownTopic, theme_id_of

    match = c.followup
    assert isinstance(match, FollowUpMatch)
    topics = [k for k in c.known if isinstance(k, KnownTopic)]
    by_theme = {theme_id_of(k.id): k.id for k in topics}
    raised = set()
    for t in data["themes"]:
        if t["id"] in by_theme:
            t["known_priority"] = by_theme[t["id"]]
            raised.add(t["id"])
    for s in data["statements"]:
        s["known_priority"] = match.assignment.get(s["id"])
    data["known_threshold"] = round(match.threshold, 4)
    data["known_priorities"] = [
        {"id": k.id, "name": k.name,
         "theme": theme_id_of(k.id) if theme_id_of(k.id) in raised else None}
        for k in topics]


def _add_written(data: dict[str, Any], c: Convening) -> None:
    """The notes (marked written, never quotes) and, per candidate, said beside written with
    the reconciliation's flags (:mod:`synth.themes.written`)."""
    from synth.themes.written import NoteMatch, Tally, reconcile

    matches = {m.note_id: m for m in c.note_matches if isinstance(m, NoteMatch)}
    data["notes"] = [
        {"id": n.id, "source": "written", "text": n.text, "file": n.file, "line": n.line,
         "sheet": n.sheet, "author": n.author, "table": n.table, "dots": n.dots,
         "theme": matches[n.id].theme_id if n.id in matches else None,
         "nearest_statement": matches[n.id].statement_id if n.id in matches else None,
         "similarity": matches[n.id].similarity if n.id in matches else None}
        for n in c.notes]
    seconds = {s.id: max(s.end - s.start, 0.0) for s in c.statements}
    tallies = {}
    for t in data["themes"]:
        written = [n for n in data["notes"] if n["theme"] == t["id"]]
        tallies[t["id"]] = Tally(statements=t["statement_count"], leaders=t["breadth"],
                                 seconds=round(sum(seconds[sid] for sid in t["statement_ids"]),
                                               3),
                                 notes=len(written), dots=sum(n["dots"] for n in written))
    flags = reconcile(tallies)
    for t in data["themes"]:
        tally = tallies[t["id"]]
        t["said"] = {"statements": tally.statements, "leaders": tally.leaders,
                     "talk_seconds": tally.seconds}
        t["written"] = {"notes": tally.notes, "paper_dots": tally.dots}
        t["flags"] = list(flags[t["id"]])


def to_json(c: Convening) -> str:
    return json.dumps(result_dict(c), indent=1, ensure_ascii=False, sort_keys=False) + "\n"


# How each role is named in the prose, in the order the prose lists them.
_ROLE_WORDS = {"business": ("business leader", "business leaders"),
               "public": ("public partner", "public partners"),
               "facilitator": ("facilitator", "facilitators"),
               "other": ("other participant", "other participants"),
               "unlisted": ("person not on the roster", "people not on the roster"),
               "unknown": ("unidentified speaker", "unidentified speakers")}
_SHARE_WORDS = {"business": "business leaders", "public": "public partners",
                "facilitator": "facilitators", "other": "others",
                "unknown": "unidentified speakers"}
_ENTITY = re.compile(r"&(?=#?\w+;)")


def _words(text: str) -> str:
    """Participants' words as one line of plain Markdown text: whitespace (newlines too)
    collapsed, so a quote stays inside its blockquote, and nothing read as markup."""
    return _ENTITY.sub(r"\\&", md_escape(" ".join(text.split())))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _count(n: int, role: str) -> str:
    one, many = _ROLE_WORDS[role]
    return f"{n} {one if n == 1 else many}"


def to_markdown(c: Convening) -> str:
    """The candidates as a partnership could send them: each in plain words with who raised it
    and their verbatim quotes (speaker, and the transcript line or the recording time).

    The names are marked as generated suggestions for the facilitator to confirm; technical
    figures (stability, talk share, ids) stay in :func:`to_json`. Byte-deterministic.
    """
    data = result_dict(c)
    people = {p["name"]: p for p in data["participants"]}
    recordings = {r["id"]: r for r in data["recordings"]}
    lines = _introduction(data, has_roster=bool(people))
    lines += _known_section(data, people, recordings)
    notes = data.get("notes", [])
    for t in (t for t in data["themes"] if "known_priority" not in t):  # shown apart
        lines += _theme_section(t, people, recordings)
        lines += _written_section(t, [n for n in notes if n["theme"] == t["id"]],
                                  has_roster=bool(people))
    lines += _unmatched_section([n for n in notes if n["theme"] is None])
    return "\n".join(lines)


def _written_section(t: dict[str, Any], notes: list[dict[str, Any]], *,
                     has_roster: bool) -> list[str]:
    """Said beside written for one candidate, its flags, and the notes written about it
    (written words with their file and line: never a quote, never a time)."""
    if "said" not in t:
        return []
    said, written = t["said"], t["written"]
    who = "business leader" if has_roster else "person"
    lines = [f"Said: {_plural(said['statements'], 'statement')} by "
             f"{_plural(said['leaders'], who)}, {_clock(said['talk_seconds'])} of talk. "
             f"Written: {_plural(written['notes'], 'note')}, "
             f"{_plural(written['paper_dots'], 'paper dot')}.", ""]
    lines += [f"**{flag.capitalize()}.**" for flag in t["flags"]]
    lines += [""] if t["flags"] else []
    if notes:
        lines += ["Written in the room:", ""]
        lines += [f"- {_note_line(n)}" for n in notes] + [""]
    return lines


def _unmatched_section(notes: list[dict[str, Any]]) -> list[str]:
    """Notes that match nothing said: written down, barely said; the facilitator can make
    each a candidate."""
    if not notes:
        return []
    return ["## Written down, not found in what was said", "",
            "Nothing said at the meeting came close to these notes, so they match no "
            "candidate: the room wrote them down but barely talked about them. The "
            "facilitator can make one a candidate.", ""] + \
        [f"- {_note_line(n)}" for n in notes] + [""]


def note_source(author: str | None, table: str | None, file: str, line: int,
                sheet: str | None) -> str:
    """Who wrote a note and where it is (``line`` 0-based), in plain text: ``written by Linda
    Park at Table 2; notes.md line 4, under "Ideas from the tables"``."""
    who = (f" by {author}" if author else "") + (f" at {table}" if table else "")
    where = f"{file} line {line + 1}" + (f", under \u201c{sheet}\u201d" if sheet else "")
    return f"written{who}; {where}"


def _note_line(n: dict[str, Any]) -> str:
    """A note as written, then who wrote it and where it is in its file."""
    author, table, sheet = (_words(n[k]) if n[k] else None for k in ("author", "table", "sheet"))
    source = note_source(author, table, _words(n["file"]), n["line"], sheet)
    dots = f", {_plural(n['dots'], 'paper dot')}" if n["dots"] else ""
    return f"\u201c{_words(n['text'])}\u201d ({source}{dots})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _introduction(data: dict[str, Any], *, has_roster: bool) -> list[str]:
    """The heading and the paragraphs before the first candidate: how many were found in what,
    that the names are suggestions, and who did the talking."""
    themes = [t for t in data["themes"] if "known_priority" not in t]  # the new candidates
    by = "business leaders" if has_roster else "people"
    lines = ["# Candidate shared priorities", ""]
    names = _and([_words(r["name"]) for r in data["recordings"]])
    if themes:
        order = (f"those the facilitator read back in the recap first, then by how many {by} "
                 "raised them" if any(t.get("read_back") for t in themes)
                 else f"the one raised by the most {by} first")
        lines += [f"From {names}: {len(themes)} candidate priorit"
                  f"{'y' if len(themes) == 1 else 'ies'}, {order}.", ""]
    else:
        lines += [f"No candidate priorities were found in {names}: too little was said for "
                  "synth to group. The transcript itself is the record of the meeting.", ""]
    if any(t["label_generated"] for t in themes):
        lines += ["**The names are suggestions.** synth generated each name from what was "
                  "said; the facilitator confirms, renames, merges or drops each candidate with "
                  "the partnership before it becomes a shared priority. The quotes are "
                  f"participants' own words, {_quote_source(themes)}.", ""]
    shares = data["talk_time_by_role"]
    roles = [role for role in _SHARE_WORDS if role in shares]
    if has_roster and roles:
        parts = [f"{_SHARE_WORDS[role]} {shares[role]:.0%}" for role in roles]
        parts[0] = f"{_SHARE_WORDS[roles[0]].capitalize()} did {shares[roles[0]]:.0%} of the " \
            "talking"
        lines += [_and(parts) + ".", ""]
    return lines


def _quote_source(themes: list[dict[str, Any]]) -> str:
    """Where the quotes come from, in the words that fit all of them: transcript lines,
    recording times, or a mix."""
    lined = {q["line"] is not None for t in themes for q in t["quotes"]}
    if lined == {True}:
        return "exactly as in the transcript, with who said them and the line of the transcript"
    if lined == {False}:
        return "exactly as transcribed, with who said them and when in the recording"
    return "exactly as transcribed, with who said them and where (the line of a transcript, " \
        "or the time in a recording)"


# The order a candidate's speakers are listed in, by role.
_SPEAKER_ORDER = ("business", "public", "other", "unlisted", "facilitator")


def _theme_section(t: dict[str, Any], people: dict[str, dict[str, Any]],
                   recordings: dict[str, dict[str, Any]]) -> list[str]:
    """One candidate: its heading, who raised it, and its quotes."""
    lines = [f"## {t['rank']}. {_words(t['label'])}", ""]
    if t.get("read_back"):
        lines += ["_Named from the facilitator's recap, to be confirmed with the partnership._",
                  ""]
    elif t["label_generated"]:
        lines += ["_Suggested name, to be confirmed by the facilitator._", ""]
    lines += _speaker_list(t["speakers"], people)
    if t["quotes"]:
        lines += ["In their words:", ""]
    return lines + _quote_lines(t["quotes"], people, recordings)


def _quote_lines(quotes: list[dict[str, Any]], people: dict[str, dict[str, Any]],
                 recordings: dict[str, dict[str, Any]]) -> list[str]:
    """Verbatim quotes as blockquotes, each with who said it and where."""
    lines: list[str] = []
    several = len(recordings) > 1
    for q in quotes:
        where = f"line {q['line'] + 1}" if q["line"] is not None else f"at {_clock(q['start'])}"
        if several:
            where = f"{_words(recordings.get(q['recording_id'], {}).get('name', ''))} {where}"
        who = _person(q["speaker"], people) if q["speaker"] else "unidentified speaker"
        lines += [f"> \u201c{_words(q['text'])}\u201d  ", f"> \u2014 {who}, {where}", ""]
    return lines


def _known_section(data: dict[str, Any], people: dict[str, dict[str, Any]],
                   recordings: dict[str, dict[str, Any]]) -> list[str]:
    """The partnership's known priorities raised again at this meeting, each with how many
    leaders raised it and their words; then the heading of the new candidates, kept apart."""
    if "known_priorities" not in data:
        return []
    who = "business leader" if people else "person"
    raised = [t for t in data["themes"] if "known_priority" in t]
    n = len(data["known_priorities"])
    lines = ["# Known priorities raised again", "",
             f"Before finding candidates, synth matched what was said to the partnership's {n} "
             f"known priorit{'y' if n == 1 else 'ies'}; {len(raised)} came up again.", ""]
    for t in raised:
        lines += [f"## {_words(t['label'])}", "",
                  f"Raised again by {_plural(t['breadth'], who)} at this meeting "
                  f"({_plural(t['statement_count'], 'statement')}).", ""]
        lines += _speaker_list(t["speakers"], people)
        lines += (["In their words:", ""] if t["quotes"] else [])
        lines += _quote_lines(t["quotes"], people, recordings)
        lines += _written_section(t, [n for n in data.get("notes", []) if n["theme"] == t["id"]],
                                  has_roster=bool(people))  # else its notes were shown nowhere
    return lines + ["# New candidates", "", "What matched no known priority.", ""]


def _speaker_list(names: list[str], people: dict[str, dict[str, Any]]) -> list[str]:
    """'Raised by ...': how many of each role, then each speaker with their company."""
    if not names:
        return []
    has_roster = bool(people)

    def role_of(name: str) -> str:
        if not has_roster:
            return "person"
        return people[name]["role"] if name in people else "unlisted"

    # by role, then by name: a list to send ranks nobody by how much they talked
    speakers = sorted(names, key=lambda s: (
        _SPEAKER_ORDER.index(role_of(s)) if has_roster else 0, s.casefold(), s))
    if has_roster:
        counts = [_count(sum(1 for s in speakers if role_of(s) == role), role)
                  for role in _SPEAKER_ORDER if any(role_of(s) == role for s in speakers)]
    else:
        counts = [f"{len(speakers)} {'person' if len(speakers) == 1 else 'people'}"]
    lines = [f"Raised by {_and(counts)}:", ""]
    for s in speakers:
        note = f" ({_ROLE_WORDS[role_of(s)][0]})" if role_of(s) in ("public", "facilitator") \
            else ""
        lines.append(f"- {_person(s, people)}{note}")
    return lines + [""]


def _person(name: str, people: dict[str, dict[str, Any]]) -> str:
    """A speaker's name, with their company where the roster gives one."""
    company = people.get(name, {}).get("company")
    return _words(name) + (f", {_words(company)}" if company else "")
