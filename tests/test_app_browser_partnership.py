"""The Partnership page in a real headless browser (issue 29, parts 4 and 5).

The app is served by ``streamlit run`` on a database holding a partnership's launch and its
first quarterly meeting (tests/partnership.py). Checked: the warning that public partners
outnumbered and out-talked business leaders at the quarterly, the momentum table (business
leaders raising each priority at each meeting, dots, champion needed), the overdue rows, and the
follow-up email and report downloaded for the quarterly. Screenshots go to test-artifacts/.

Needs Debian's chromium and the ``playwright`` package (tests/browser.py); skipped when either
is missing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import ARTIFACTS, click, marks, serve_app, settle, shot, signed_in_page, sync_api

pytestmark = marks(300)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The app on a free local port over the partnership's two convenings."""
    from partnership import build

    from synth.store import init_db, make_engine

    tmp = tmp_path_factory.mktemp("partnership-app")
    url = f"sqlite:///{tmp / 'synth.db'}"
    engine = make_engine(url)
    init_db(engine)
    build(engine)
    engine.dispose()
    with serve_app(url, tmp) as base:
        yield {"base": base, "url": url}


def _grid_rows(frame) -> list[list[str]]:
    """The cells of a ``st.dataframe`` by row, header first, from the grid's accessible table
    (the grid itself is drawn on a canvas)."""
    frame.locator("table tr").first.wait_for(state="attached")  # the grid draws after a while
    return frame.evaluate(
        "f => [...f.querySelectorAll('table tr')].map("
        "r => [...r.querySelectorAll('th, td')].map(c => c.innerText.trim()))")


def test_partnership_page_momentum_and_follow_up(server, browser, tmp_path: Path) -> None:
    with signed_in_page(browser, server["base"], "p-failure") as page:
        page.get_by_role("link", name="Partnership").click()
        settle(page)
        page.get_by_role("heading", name="Momentum of each priority").wait_for()
        warnings = page.get_by_test_id("stAlertContentWarning")
        sync_api.expect(warnings).to_have_count(2)
        assert all("Spring quarterly" in w for w in warnings.all_inner_texts())
        frames = page.get_by_test_id("stDataFrame")
        sync_api.expect(frames).to_have_count(3)  # convenings, momentum, overdue
        header, *rows = _grid_rows(frames.nth(1))
        # Business leaders raising each priority at each meeting, right of its dots.
        assert header == ["priority", "status", "champions", "dots", "Launch (2026-01-15)",
                          "Spring quarterly (2026-04-15)"], header
        assert rows == [
            ["Welder apprenticeships", "active", "Ana Ruiz", "7", "3", "2"],
            ["Childcare near plants", "confirmed", "champion needed", "5", "2", "0"]], rows
        shot(page, "p1-partnership")
        # The overdue rows, most late first, each with how late it is in view.
        header, *late = _grid_rows(frames.nth(2))
        assert header[:5] == ["priority", "objective", "owner", "due", "days late"], header
        assert [r[1] for r in late][:2] == ["Survey night-shift parents",
                                            "Pre-apprenticeship with North College"], late
        assert all(r[4].isdigit() and int(r[4]) > 0 for r in late), late

        with page.expect_download() as got:
            click(page, "Follow-up email (.txt)")
        email = Path(got.value.path()).read_text(encoding="utf-8")
        assert got.value.suggested_filename.endswith(".txt")
        assert email.startswith("Subject: Where our shared priorities stand after the Spring "
                                "quarterly")
        assert "- Childcare near plants: reply to this email" in email
        with page.expect_download() as got:
            click(page, "Follow-up report (.md)")
        report = Path(got.value.path()).read_text(encoding="utf-8")
        assert report.startswith("# North Bay Manufacturing Partnership: follow-up")
        assert "Raised again by 2 business leaders at this meeting." in report
        page.get_by_role("heading", name="Follow-up after a meeting").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "p2-partnership-follow-up.png"))
