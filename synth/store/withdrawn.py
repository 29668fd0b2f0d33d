"""Withdrawn words stay withdrawn: the store-side rule of :mod:`synth.decisions.privacy`.

A withdrawn statement keeps its row and the sha256 of its words (:func:`text_hash`), never the
words. The importer applies the same rule to what it brings in: the same statement id, or
other words that hash the same (re-transcribed), come in withdrawn. It lives in the store, with
the importer that applies it, so the store never imports the privacy service.
"""

from __future__ import annotations

import hashlib
import re

from sqlalchemy.orm import Session

from synth.store.schema import Membership, StoredStatement


def text_hash(text: str) -> str:
    """The sha256 of a statement's words (case, spacing and punctuation ignored)."""
    words = re.findall(r"\w+", text.casefold())
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()


def mark_withdrawn(session: Session, statement: StoredStatement,
                   membership: Membership | None = None, digest: str | None = None) -> None:
    """Blank a statement's words, keep their hash, and pin it out of every theme."""
    statement.withdrawn_hash = digest or statement.withdrawn_hash or text_hash(statement.text)
    statement.text = ""
    statement.word_probs = None  # nothing of the words stays but their hash
    statement.withdrawn = True
    if membership is None:
        membership = session.get(Membership, (statement.convening_id, statement.id))
    if membership is None:
        membership = Membership(convening_id=statement.convening_id, statement_id=statement.id)
        session.add(membership)
    membership.theme_id, membership.pinned = None, True
