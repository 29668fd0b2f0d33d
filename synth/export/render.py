"""Staff exports of a convening's priority list: CSV, XLSX, DOCX, Markdown, email, JSON.

Everything is rendered from one plain :class:`PriorityReport`, so the store only has to fill
it in. Every format is deterministic (same report, identical bytes) and written atomically, so
a failure half way (a full disk) never leaves a broken file over a good one. Cells that a
spreadsheet would run as a formula are neutralised; participants' words are never markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from synth.errors import InputError
from synth.export import office
from synth.export.records import PriorityReport
from synth.export.text import to_csv, to_email, to_json, to_markdown
from synth.files import atomic_write_bytes, atomic_write_text

log = logging.getLogger(__name__)


# openpyxl and python-docx load inside office.to_xlsx / to_docx: only when an office file is
# asked for.
RENDERERS: dict[str, Callable[[PriorityReport], str | bytes]] = {
    "csv": to_csv, "json": to_json, "md": to_markdown, "email": to_email,
    "xlsx": office.to_xlsx, "docx": office.to_docx,
}
FORMATS = tuple(RENDERERS)


def render(report: PriorityReport, fmt: str) -> str | bytes:
    """``report`` in format ``fmt`` (one of :data:`FORMATS`): text or bytes."""
    renderer = RENDERERS.get(fmt.lower())
    if renderer is None:
        raise InputError(f"unknown export format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    return renderer(report)


def export(report: PriorityReport, fmt: str, path: str | Path) -> Path:
    """Render ``report`` as ``fmt`` and write it to ``path`` atomically; return the path."""
    p = Path(path)
    data = render(report, fmt)  # rendered in full first: a render error never touches p
    if isinstance(data, bytes):
        # A full disk can surface only when the data reaches it: fail before the rename.
        atomic_write_bytes(p, data, sync=True)
    else:
        atomic_write_text(p, data)
    log.info("exported %d priorities as %s", len(report.priorities), fmt)
    return p
