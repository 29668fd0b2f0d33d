"""Privacy: delete a recording and everything derived from it; withdraw a participant's words.

**Deleting a recording** removes, in one audited database transaction, its statements, their
embeddings and theme memberships, the speaker labels only it used, and the recording itself;
a candidate theme left with no statement is removed (it held no decision), while a theme a
facilitator acted on (confirmed, renamed, merged, ...) is kept, since its status and its
votes are the room's, with a generated label and keywords (made from the deleted words)
blanked. After the commit the files go: the app's copy under ``media/``, the uploaded input
in every job folder that holds it (a job left with no input goes whole), the cached
transcripts (``cache_dir/transcripts/RECORDING-*.json``) and the cached embeddings of its
statements. Exports are rendered from the database, so every later export is without it.

**Withdrawing a statement** blanks its words in the database, keeping only their sha256
and the row, takes it out of every theme for good (a pinned "no theme" row, which re-runs
respect), and drops its embedding here and in the cache. A re-import of the same statement
(same id) or of the same words (another id, e.g. re-transcribed) comes in withdrawn too: the
store applies that rule itself (:mod:`synth.store.withdrawn`), on every import. It then
shows nowhere: not in the app, not in any export, not among a theme's quotes (the theme's
other statements are quoted).

Neither can be undone: undo stops at them, as it stops at an import.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from synth import paths
from synth.convening import jobs
from synth.decisions.review import _edit, bump
from synth.errors import NotFoundError, ReviewError
from synth.files import sha256_file
from synth.records import is_recording_id
from synth.store import queries, transaction
from synth.store.schema import (
    Speaker,
    StatementVector,
    StoredRecording,
    StoredStatement,
    StoredTheme,
)
from synth.store.withdrawn import mark_withdrawn

log = logging.getLogger(__name__)

# What a theme is called when the words its generated label came from are gone.
BLANK_LABEL = "untitled (its statements were deleted or withdrawn)"
IRREVERSIBLE = ("delete_recording", "withdraw")


def _embed_key(text: str) -> str:
    from synth.text.embed import text_key  # the embedding cache's key: sha1 of the exact text

    return text_key(text)


@dataclass(frozen=True, slots=True)
class RecordingInfo:
    """A recording of a convening, as listed for deletion."""

    id: str
    name: str
    kind: str
    duration: float | None
    statements: int
    withdrawn: int


@dataclass(frozen=True, slots=True)
class Deletion:
    """What deleting a recording removed, and any file it could not remove."""

    recording_id: str
    name: str
    audit_id: int
    statements: int
    themes_removed: tuple[int, ...]
    themes_emptied: tuple[int, ...]
    speakers_removed: tuple[str, ...]
    files_removed: tuple[str, ...] = ()
    problems: tuple[str, ...] = field(default=())


def list_recordings(engine: Engine, convening_id: int) -> list[RecordingInfo]:
    """The convening's recordings with how many statements each holds, by name."""
    with transaction(engine) as s:
        queries.get_convening(s, convening_id)
        counts = dict(s.execute(
            select(StoredStatement.recording_id, func.count()).where(
                StoredStatement.convening_id == convening_id)
            .group_by(StoredStatement.recording_id)).all())
        gone = dict(s.execute(
            select(StoredStatement.recording_id, func.count()).where(
                StoredStatement.convening_id == convening_id, StoredStatement.withdrawn.is_(True))
            .group_by(StoredStatement.recording_id)).all())
        recs = queries.recordings_of(s, convening_id).values()
        return sorted((RecordingInfo(r.id, r.name, r.kind, r.duration, counts.get(r.id, 0),
                                     gone.get(r.id, 0)) for r in recs),
                      key=lambda r: (r.name, r.id))


def find_recording(session: Session, convening_id: int, ref: str) -> StoredRecording:
    """A recording by id, by file name, or by the start of its id (at least 4 characters)."""
    recs = queries.recordings_of(session, convening_id)
    if ref in recs:
        return recs[ref]
    named = [r for r in recs.values() if r.name == ref]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise NotFoundError(f"several recordings are named {ref!r}; give its id instead "
                            f"({', '.join(sorted(r.id for r in named))}).")
    prefixed = [r for r in recs.values() if len(ref) >= 4 and r.id.startswith(ref)]
    if len(prefixed) == 1:
        return prefixed[0]
    if len(prefixed) > 1:
        raise NotFoundError(f"{ref!r} starts several recording ids; give more of it.")
    raise NotFoundError(f"no recording {ref!r} in convening {convening_id}; "
                        "`synth recordings list` shows them.")


def _held(theme: StoredTheme) -> bool:
    return theme.edited or theme.status != "candidate"


def _settle_themes(session: Session, theme_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """After statements left them: remove untouched empty candidates, blank other empty ones.

    Returns (removed, emptied). Themes that still have statements get a new version.
    """
    session.flush()
    removed, emptied = [], []
    for tid in sorted(set(theme_ids)):
        theme = session.get(StoredTheme, tid)
        if theme is None:
            continue
        if queries.members_of(session, [tid]):
            bump(theme)
            continue
        merged_in = session.scalar(select(func.count()).select_from(StoredTheme)
                                   .where(StoredTheme.merged_into == tid)) or 0
        if not _held(theme) and not merged_in:
            session.delete(theme)
            removed.append(tid)
            continue
        theme.keywords = []
        if theme.label_generated:
            theme.label = BLANK_LABEL
        bump(theme)
        emptied.append(tid)
    session.flush()
    return removed, emptied


def _delete_vectors(session: Session, convening_id: int, ids: Sequence[str]) -> None:
    for i in range(0, len(ids), 500):
        session.execute(delete(StatementVector).where(
            StatementVector.convening_id == convening_id,
            StatementVector.statement_id.in_(ids[i:i + 500])))


def _checkpoint(engine: Engine) -> None:
    """On SQLite, move the WAL into the database file and empty it (old page images go)."""
    if engine.url.get_backend_name() != "sqlite":
        return
    try:
        # On the raw connection: outside a transaction (SQLAlchemy would BEGIN first).
        raw = engine.raw_connection()
        try:
            conn = raw.driver_connection
            if conn is None:  # only once the pool has invalidated the connection
                raise RuntimeError("the database connection was closed")
            busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if busy and busy[0]:
            log.warning("WAL checkpoint after a privacy action was blocked by a reader; "
                        "the next checkpoint completes it.")
    except Exception as exc:  # noqa: BLE001 - a busy reader only delays it to the next one
        log.warning("WAL checkpoint after a privacy action did not complete: %s", exc)


# --- delete a recording ----------------------------------------------------------------------


def delete_recording(engine: Engine, convening_id: int, ref: str, *, who: str | None = None,
                     files_root: Path | None = None, cache_dir: Path | None = None) -> Deletion:
    """Delete a recording of a convening and everything derived from it (see the module).

    ``files_root`` is the app's files folder (:func:`synth.convening.jobs.files_dir`) and
    ``cache_dir`` the cache (``settings.cache_dir``); the files there go once the database has
    committed. Refused while a job of the convening is still running (it could bring the recording
    back).
    """
    if files_root is not None:
        running = [j.id for j in jobs.jobs_of(files_root, convening_id) if j.active]
        if running:
            raise ReviewError(f"a job is still processing uploads of convening {convening_id} "
                              f"({', '.join(running)}); wait until it is done, then delete.")
    with _edit(engine, "delete_recording", who=who, convening=convening_id) as e:
        rec = find_recording(e.s, convening_id, ref)
        rec_id, name = rec.id, rec.name
        rows = list(e.s.scalars(select(StoredStatement).where(
            StoredStatement.convening_id == convening_id, StoredStatement.recording_id == rec_id)))
        sids = [st.id for st in rows]
        keys = sorted({_embed_key(st.text) for st in rows if not st.withdrawn})
        members = queries.memberships(e.s, convening_id, sids)
        themes = {m.theme_id for m in members.values() if m.theme_id is not None}
        labels = {st.speaker for st in rows if st.speaker}
        still = set(e.s.scalars(select(StoredStatement.speaker).distinct().where(
            StoredStatement.convening_id == convening_id, StoredStatement.recording_id != rec_id)))
        speakers = queries.speakers_of(e.s, convening_id)
        referenced = {sp.merged_into for sp in speakers.values() if sp.merged_into}
        drop = sorted(lb for lb in labels - still - referenced if lb in speakers)
        e.begin(themes=sorted(themes), statements=sids, speakers=drop)
        _delete_vectors(e.s, convening_id, sids)
        queries.delete_memberships(e.s, convening_id, sids)
        for i in range(0, len(sids), 500):
            e.s.execute(delete(StoredStatement).where(
                StoredStatement.convening_id == convening_id,
                StoredStatement.id.in_(sids[i:i + 500])))
        e.s.execute(delete(StoredRecording).where(StoredRecording.convening_id == convening_id,
                                                  StoredRecording.id == rec_id))
        for label in drop:
            e.s.execute(delete(Speaker).where(Speaker.convening_id == convening_id,
                                              Speaker.label == label))
        removed, emptied = _settle_themes(e.s, themes)
        out = e.finish(f"recording {rec_id}: {len(sids)} statement(s)")
    _checkpoint(engine)
    done, problems = _delete_files(rec_id, files_root, cache_dir, keys, convening_id)
    log.info("deleted recording %s of convening %d: %d statements, themes removed %s, "
             "emptied %s, %d file(s)", rec_id, convening_id, len(sids), removed, emptied,
             len(done))
    return Deletion(rec_id, name, out.audit_id, len(sids), tuple(removed), tuple(emptied),
                    tuple(drop), tuple(done), tuple(problems))


def _delete_files(recording_id: str, files_root: Path | None, cache_dir: Path | None,
                  keys: Sequence[str], convening_id: int) -> tuple[list[str], list[str]]:
    done: list[str] = []
    problems: list[str] = []

    def remove(path: Path) -> None:
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            done.append(str(path))
        except FileNotFoundError:
            pass
        except OSError as exc:
            problems.append(f"cannot remove {path}: {exc.strerror or exc}")

    if not is_recording_id(recording_id):
        # Not an id synth writes (a database from before ids were checked at import): its
        # files cannot be told apart from others', so none is touched.
        problems.append(f"recording id {recording_id!r} is not one synth writes; no file was "
                        "deleted for it (remove its copies by hand).")
        if cache_dir is not None:
            problems += purge_embeddings(cache_dir, keys)
        return done, problems
    if files_root is not None:
        for path in paths.media_files(files_root, recording_id):
            remove(path)
        _delete_uploads(files_root, recording_id, convening_id, remove, problems)
    if cache_dir is not None:
        for path in paths.cached_transcripts(cache_dir, recording_id):
            remove(path)
        problems += purge_embeddings(cache_dir, keys)
    return done, problems


def _delete_uploads(root: Path, recording_id: str, convening_id: int,
                    remove: Callable[[Path], None], problems: list[str]) -> None:
    """The uploaded copies of the recording in the convening's job folders."""
    for job in jobs.jobs_of(root, convening_id):
        keep = []
        for p in job.inputs:
            path = Path(p)
            try:
                same = path.is_file() and sha256_file(path)[:len(recording_id)] == recording_id
            except OSError as exc:
                problems.append(f"cannot read {path}: {exc.strerror or exc}")
                same = False
            if same:
                remove(path)
            else:
                keep.append(p)
        if len(keep) == len(job.inputs):
            continue
        if not keep:
            remove(paths.job_dir(root, job.id))  # its state and log were about this recording only
            continue
        try:
            jobs.keep_inputs(root, job, keep)
        except OSError as exc:
            problems.append(f"cannot update {paths.job_state(root, job.id)}: {exc}")


def purge_embeddings(cache_dir: Path, keys: Sequence[str]) -> list[str]:
    """Remove cached embeddings of these texts (embedding cache keys) from every model's cache."""
    problems: list[str] = []
    if not keys:
        return problems
    for path in paths.embedding_caches(cache_dir):
        try:
            with closing(sqlite3.connect(path, timeout=30)) as conn:
                conn.execute("PRAGMA secure_delete=ON")
                with conn:
                    for i in range(0, len(keys), 500):
                        chunk = list(keys[i:i + 500])
                        conn.execute(f"DELETE FROM vectors WHERE key IN "
                                     f"({','.join('?' * len(chunk))})", chunk)
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            problems.append(f"cannot remove cached embeddings from {path}: {exc}")
    return problems


# --- withdraw a statement ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """What withdrawing statements did."""

    audit_id: int
    statements: tuple[str, ...]
    themes_removed: tuple[int, ...]
    themes_emptied: tuple[int, ...]
    problems: tuple[str, ...] = ()


def withdraw(engine: Engine, convening_id: int, statement_ids: Sequence[str], *,
             who: str | None = None, cache_dir: Path | None = None) -> Withdrawal:
    """Withdraw statements (a participant took their words back); see the module.

    Statements already withdrawn are skipped; naming only such statements is an error.
    """
    ids = list(dict.fromkeys(statement_ids))
    if not ids:
        raise ReviewError("name at least one statement to withdraw.")
    with _edit(engine, "withdraw", who=who, convening=convening_id) as e:
        found = queries.require_statements(e.s, convening_id, ids)
        todo = [sid for sid in ids if not found[sid].withdrawn]
        if not todo:
            raise ReviewError(f"statement{'s' * (len(ids) > 1)} {', '.join(ids)} "
                              f"{'are' if len(ids) > 1 else 'is'} already withdrawn.")
        rows = queries.memberships(e.s, convening_id, todo)
        themes = sorted({m.theme_id for m in rows.values() if m.theme_id is not None})
        e.begin(themes=themes, statements=todo)
        keys = sorted({_embed_key(found[sid].text) for sid in todo})
        for sid in todo:
            mark_withdrawn(e.s, found[sid], rows.get(sid))
        _delete_vectors(e.s, convening_id, todo)
        removed, emptied = _settle_themes(e.s, themes)
        out = e.finish(f"{len(todo)} statement(s): {', '.join(todo)}"[:500])
    _checkpoint(engine)
    problems = purge_embeddings(cache_dir, keys) if cache_dir is not None else []
    return Withdrawal(out.audit_id, tuple(todo), tuple(removed), tuple(emptied),
                      tuple(problems))


__all__ = ["BLANK_LABEL", "IRREVERSIBLE", "Deletion", "RecordingInfo", "Withdrawal",
           "delete_recording", "find_recording", "list_recordings", "purge_embeddings",
           "withdraw"]
