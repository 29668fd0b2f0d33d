"""Personal voter codes: made, hashed, checked, throttled, and handed out as a link, a QR code
and a printable card.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), printed in
groups of four. The store keeps only a slow salted hash of it plus :func:`code_key`, its first
group, so one entry can find the few candidate hashes to check without scanning (and scrypt-ing)
every voter of the convening. Codes, links and QR codes are secrets: never log them.
"""

from __future__ import annotations

import html
import io
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from synth.decisions.secret_hash import hash_secret, verify_secret
from synth.errors import BallotError, InputError

log = logging.getLogger(__name__)

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # 31 symbols, none mistakable for another
CODE_LENGTH = 12  # ~59 bits; the 4-character key leaves ~40 secret bits behind scrypt
KEY_LENGTH = 4
_SEPARATORS = str.maketrans("", "", " \t\r\n-_.")


def new_code(length: int = CODE_LENGTH) -> str:
    """A fresh random code (canonical form: upper case, no separators)."""
    if length < 8:
        raise InputError(f"voter codes need at least 8 characters, not {length}")
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_codes(count: int, length: int = CODE_LENGTH) -> list[str]:
    """``count`` distinct codes whose keys are distinct too, so every lookup finds one hash."""
    codes: list[str] = []
    keys: set[str] = set()
    while len(codes) < count:
        code = new_code(length)
        if code[:KEY_LENGTH] not in keys:  # 31**4 keys: clashes are rare, retrying is cheap
            keys.add(code[:KEY_LENGTH])
            codes.append(code)
    return codes


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces, dashes) in canonical form."""
    return text.translate(_SEPARATORS).upper()


def format_code(code: str) -> str:
    """A code for printing on a card: groups of four joined by dashes."""
    c = normalise_code(code)
    return "-".join(c[i:i + 4] for i in range(0, len(c), 4))


def code_key(code: str) -> str:
    """The lookup key the store indexes: the code's first group, not secret on its own."""
    return normalise_code(code)[:KEY_LENGTH]


def hash_code(code: str) -> str:
    """A slow salted hash of ``code`` (in canonical form) as one storable string."""
    return hash_secret(normalise_code(code))


def verify_code(code: str, stored: str) -> bool:
    """True if ``code``, however typed, is the one ``stored`` was made from."""
    return verify_secret(normalise_code(code), stored)


class TooManyAttempts(BallotError):
    """Wrong codes came too fast from one source; ``retry_after`` says how long to wait."""

    def __init__(self, retry_after: float) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many wrong codes: wait {math.ceil(retry_after)} seconds "
                         "and try again")


@dataclass(slots=True)
class _Failures:
    count: int
    last: float
    until: float


class Throttle:
    """Exponential back-off on wrong codes, per source (an address, a session, a code key).

    After ``free`` wrong tries (typos happen), each further one blocks the source for
    ``base * factor**k`` seconds, at most ``cap``. It never sleeps itself, so a web server's
    threads stay free: callers :meth:`check` before verifying and report the outcome.
    """

    def __init__(self, *, base: float = 1.0, factor: float = 2.0, cap: float = 300.0,
                 free: int = 3, forget_after: float = 3600.0, max_sources: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.base, self.factor, self.cap, self.free = base, factor, cap, free
        self.forget_after, self.max_sources, self.clock = forget_after, max_sources, clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def retry_after(self, source: str) -> float:
        """Seconds until ``source`` may try again (0 when it may try now)."""
        with self._lock:
            f = self._failures.get(source)
            return max(0.0, f.until - self.clock()) if f else 0.0

    def check(self, source: str) -> None:
        """Raise :class:`TooManyAttempts` while ``source`` is blocked."""
        wait = self.retry_after(source)
        if wait > 0:
            raise TooManyAttempts(wait)

    def failed(self, source: str) -> float:
        """Record a wrong code from ``source``; return how long it is now blocked."""
        with self._lock:
            now = self.clock()
            f = self._failures.get(source)
            if f is None or now - f.last > self.forget_after:
                f = _Failures(0, now, now)
            f.count += 1
            f.last = now
            over = f.count - self.free
            delay = 0.0 if over <= 0 else min(self.cap, self.base * self.factor ** (over - 1))
            f.until = now + delay
            self._failures[source] = f
            if len(self._failures) > self.max_sources:
                self._forget(now)
        if delay:
            # No source, code or count detail: sources can be personal data.
            log.info("wrong voter code; source blocked for %.0f s", delay)
        return delay

    def succeeded(self, source: str) -> None:
        """A right code: forget ``source``'s earlier wrong ones."""
        with self._lock:
            self._failures.pop(source, None)

    def _forget(self, now: float) -> None:
        # Bounded memory under a flood of sources: drop the stale, then the oldest.
        stale = [s for s, f in self._failures.items() if now - f.last > self.forget_after]
        for s in stale:
            del self._failures[s]
        excess = len(self._failures) - self.max_sources
        if excess > 0:
            for s in sorted(self._failures, key=lambda s: self._failures[s].last)[:excess]:
                del self._failures[s]


def ballot_link(base_url: str, code: str) -> str:
    """The personal ballot address: ``base_url`` with ``code=...`` added to its query."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(f"ballot address '{base_url}' must start with http:// or https://")
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "code"]
    query.append(("code", normalise_code(code)))
    return urlunsplit(parts._replace(query=urlencode(query)))


def qr_svg(link: str, *, scale: int = 4) -> str:
    """``link`` as a QR code in SVG text, for printing on a voter's card."""
    import segno  # only needed when printing cards

    qr = segno.make(link, error="m", micro=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=scale, xmldecl=False, title="Your personal ballot")
    return buffer.getvalue().decode("utf-8")


_CARDS_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #111; }
h1 { font-size: 12pt; font-weight: normal; margin: 6mm; }
.cards { display: grid; grid-template-columns: repeat(2, 1fr); }
.card { border: 1px dashed #888; padding: 6mm; display: flex; gap: 5mm; align-items: center;
        break-inside: avoid; page-break-inside: avoid; }
.card svg { width: 36mm; height: 36mm; flex: none; }
.name { font-size: 14pt; font-weight: 600; }
.code { font-family: ui-monospace, monospace; font-size: 16pt; letter-spacing: 0.05em; }
.link { font-size: 8pt; word-break: break-all; color: #333; }
.how { font-size: 9pt; margin: 2mm 0; }
@media print { h1 { display: none; } @page { margin: 10mm; } }
"""


def cards_html(cards: Sequence[tuple[str, str, str]], *, title: str) -> str:
    """A page of voter cards to print and cut: each with the voter's name, code, personal link
    and a QR code of the link (name, code, link per card). Every text is HTML-escaped: names
    and titles are typed in by people."""
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Voter cards: {html.escape(title)}</title>",
           f"<style>{_CARDS_STYLE}</style></head><body>",
           f"<h1>Voter cards: {html.escape(title)}. Print, cut along the dashed lines and "
           "hand each person their own card: a code is a personal secret.</h1>",
           '<div class="cards">']
    for name, code, link in cards:
        out.append(
            f'<section class="card">{qr_svg(link)}<div>'
            f'<div class="name">{html.escape(name)}</div>'
            f'<p class="how">{html.escape(title)}: scan the square with your phone\'s '
            "camera to open your own ballot, or open the link below.</p>"
            f'<div class="code">{html.escape(format_code(code))}</div>'
            f'<div class="link">{html.escape(link)}</div></div></section>')
    out.append("</div></body></html>")
    return "\n".join(out) + "\n"
