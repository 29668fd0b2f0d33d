"""The sample convening as ``make run`` makes it, in a real headless browser (issue 27, items 1
and 2): names on the cards, no facilitator quote first, a clip and two sentences per speaker.

The real pipeline runs on the sample recording as ``make run`` runs it (``synth synthesize
... --roster roster.csv --speakers roster``, with Whisper tiny.en to keep it short), and
``python -m synth.cli.demo`` puts the result into a fresh database that ``streamlit run`` serves.
The roster's voice samples name every voice, so the cards show business leaders by name and
company, and the facilitator's words are in no candidate. Screenshots go to test-artifacts/
(names-01-sample-review.png is the sample's review page).

Needs Debian's chromium and the ``playwright`` package (tests/browser.py); skipped when either
is missing.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from browser import ROOT, SAMPLE, marks, serve_app, settle, shot, signed_in_page, sync_api

pytestmark = marks(900)

ROSTER = SAMPLE / "roster.csv"
HEADING = re.compile(r"^#(\d+)\s+(.+)$")
ATTRIBUTION = re.compile(r"^\u2014 (.+), (\d+:\d\d|line \d+)$")


def _run(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """``make run`` in a temporary place: the pipeline on the sample, the demo import, the app."""
    tmp = tmp_path_factory.mktemp("names-app")
    url = f"sqlite:///{tmp / 'synth.db'}"
    out = tmp / "sample.json"
    env = os.environ | {"SYNTH_DATABASE_URL": url, "SYNTH_CACHE_DIR": str(tmp / "cache")}
    _run(["synth", "synthesize", str(SAMPLE / "convening.ogg"), "--roster", str(ROSTER),
          "--speakers", "roster", "--model", "tiny.en", "--out", str(out),
          "--out", str(tmp / "sample.md")], env)
    _run(["synth.cli.demo", str(out), "--audio", str(SAMPLE / "convening.ogg"),
          "--roster", str(ROSTER)], env)
    with serve_app(url, tmp) as base:
        yield {"base": base, "url": url,
               "result": json.loads(out.read_text(encoding="utf-8")),
               "md": (tmp / "sample.md").read_text(encoding="utf-8")}


def _people() -> dict[str, tuple[str, str]]:
    from synth.text.roster import load_roster

    return {p.name: (p.company or "", p.role) for p in load_roster(ROSTER)}


def test_the_pipeline_names_the_sample_s_speakers(sample) -> None:
    """What ``make run`` writes: the roster's names, roles and companies, not S1-S7."""
    people = _people()
    data = sample["result"]
    assert {s["speaker"] for s in data["statements"]} == set(people)
    assert data["talk_time_by_role"]["business"] > 0.6
    assert "other" not in data["talk_time_by_role"]
    facilitator = {n for n, (_, role) in people.items() if role == "facilitator"}
    said = [s for s in data["statements"] if s["speaker"] in facilitator]
    assert said and not any(s["clusterable"] or s["theme"] for s in said)
    for theme in data["themes"]:
        assert theme["breadth"] >= 2 and not set(theme["speakers"]) & facilitator
        assert all(q["speaker"] not in facilitator for q in theme["quotes"])
    assert "0 speaker(s)" not in sample["md"] and "other 100%" not in sample["md"]
    assert re.search(r"Raised by [2-5] business leaders", sample["md"])


def _cards(page) -> list[list[str]]:
    """The review page's text, card by card (each from its '#n  label' heading)."""
    cards: list[list[str]] = []
    for text in page.get_by_test_id("stText").all_inner_texts():
        text = text.strip()
        if HEADING.match(text):
            cards.append([text])
        elif cards:
            cards[-1].append(text)
    return cards


def _whole_page(page) -> None:
    """A window as tall as the page, so a screenshot holds all of it (Streamlit scrolls
    inside its own container, which a full-page screenshot does not unroll)."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(int(height) + 100, 16000)})
    settle(page)


def _cards_drawn(page) -> None:
    page.get_by_role("button", name="Confirm", exact=True).first.wait_for()
    settle(page)


def test_sample_cards_name_leaders_and_quote_no_facilitator_first(sample, browser) -> None:
    people = _people()
    leaders = {n for n, (_, role) in people.items() if role == "business"}
    facilitator = {n for n, (_, role) in people.items() if role == "facilitator"}
    with signed_in_page(browser, sample["base"], "names-failure-review") as page:
        _cards_drawn(page)
        cards = _cards(page)
        assert len(cards) >= 3, cards
        for card in cards:
            named = next(t for t in card if t.startswith("Business leaders: "))
            pairs = [p.split(", ", 1) for p in named.removeprefix("Business leaders: ")
                     .split("; ")]
            # Every business leader by name and company, as the roster has them.
            assert len(pairs) >= 2 and all(n in leaders and people[n][0] == c
                                           for n, c in pairs), named
            quoted = [m.group(1) for t in card if (m := ATTRIBUTION.match(t))]
            assert quoted and quoted[0] not in facilitator, card
            assert not set(quoted) & facilitator, card
        metrics = page.get_by_test_id("stMetric")
        talk = metrics.filter(has_text="Business talk")
        sync_api.expect(talk).to_have_count(len(cards))
        shares = [re.sub(r"\s+", " ", t).strip() for t in talk.all_inner_texts()]
        assert len(set(shares)) > 1, shares  # equal breadth, yet the candidates differ
        texts = metrics.all_inner_texts()
        assert not any(re.match(r"Breadth of support\s*0$", t) for t in texts), texts
        _whole_page(page)
        shot(page, "names-01-sample-review")


def test_speakers_tab_plays_each_voice_and_shows_two_sentences(sample, browser) -> None:
    people = _people()
    with signed_in_page(browser, sample["base"], "names-failure-speakers") as page:
        _cards_drawn(page)
        page.get_by_role("tab", name="Speakers").click()
        settle(page)
        page.get_by_role("heading", name="Who is who").wait_for()
        for name, (company, _) in people.items():
            box = page.locator(f".st-key-who-{name.replace(' ', '-')}")
            sync_api.expect(box).to_have_count(1)
            lines = [t.strip() for t in box.get_by_test_id("stText").all_inner_texts()]
            assert lines[0].startswith(f"{name}: {name}, {company} ("), lines
            sentences = [t for t in lines[1:] if "\u201c" in t]
            assert len(sentences) == 2, lines
            sync_api.expect(box.locator("audio")).to_have_count(1)
        _whole_page(page)
        shot(page, "names-02-speakers")
        # Beside the breadth chart: the business leaders' talk share (a second chart) and
        # who they are (a table), which tell candidates with equal breadth apart.
        page.get_by_role("tab", name="Map and search").click()
        settle(page)
        charts = page.get_by_test_id("stVegaLiteChart")
        sync_api.expect(charts).to_have_count(3)  # breadth, talk share, the map
        sync_api.expect(page.get_by_test_id("stDataFrame")).not_to_have_count(0)
        shot(page, "names-03-breadth")
