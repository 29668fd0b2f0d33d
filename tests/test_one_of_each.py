"""One of each (issue 28): the atomic write, the secret hash, the Viterbi path, the cache layout,
and an upload hashed once."""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
from pathlib import Path

import numpy as np
import pytest

from synth import paths
from synth.audio import ingest
from synth.convening import jobs, pipeline, setup
from synth.decisions.secret_hash import hash_secret, verify_secret
from synth.files import atomic_write_bytes, atomic_write_text, atomic_writer, sha256_file
from synth.sequence import best_path
from synth.store import init_db, make_engine

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "convening" / "convening.txt"


# --- the atomic write ------------------------------------------------------------------------


def test_an_atomic_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "folder" / "out.txt"
    atomic_write_text(path, "first\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    atomic_write_bytes(path, "sécond".encode(), sync=True)
    assert path.read_bytes() == "sécond".encode()
    assert sorted(p.name for p in path.parent.iterdir()) == ["out.txt"]


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    atomic_write_text(path, "old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_writer(path) as f:
        f.write(b"half of the new")
        raise RuntimeError("disk full")
    assert path.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_secret_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "passcode"
    atomic_write_text(path, "hash\n", mode=0o600)
    assert path.stat().st_mode & 0o777 == 0o600
    atomic_write_text(tmp_path / "plain", "x")
    assert (tmp_path / "plain").stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_sha256_file_is_the_sha256_of_the_bytes(tmp_path: Path) -> None:
    data = secrets.token_bytes(3 * 1024 + 5)
    (tmp_path / "f").write_bytes(data)
    assert sha256_file(tmp_path / "f", chunk=1024) == hashlib.sha256(data).hexdigest()


# --- the secret hash -------------------------------------------------------------------------


def test_a_secret_hash_has_one_format_and_verifies_the_secret_only() -> None:
    stored = hash_secret("correct-horse")
    assert stored.startswith("scrypt$n=16384,r=8,p=1$") and "correct-horse" not in stored
    assert verify_secret("correct-horse", stored) and not verify_secret("correct-hors", stored)
    assert hash_secret("correct-horse") != stored  # a fresh salt every time


def test_a_passcode_hash_in_the_first_format_still_verifies() -> None:
    # How synth_app/auth.py wrote the staff passcode before the formats were made one.
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(b"correct-horse", salt=salt, dklen=32, n=2**14, r=8, p=1)
    old = (f"scrypt$16384$8$1${base64.b64encode(salt).decode()}$"
           f"{base64.b64encode(digest).decode()}\n")
    assert verify_secret("correct-horse", old) and not verify_secret("wrong-horse", old)


@pytest.mark.parametrize("stored", ["", "scrypt$AA==$AA==", "scrypt$16384$8$AA==$AA==",
                                    "scrypt$16384$8$1$AA==$AA==", "scrypt$x$8$1$AA==$AA==",
                                    "scrypt$n=3,r=8,p=1$AA==$AAAAAAAAAAAAAAAAAAAAAA==",
                                    "scrypt$n=0,r=8,p=1$AA==$AAAAAAAAAAAAAAAAAAAAAA==",
                                    "scrypt$4194304$8$1$AA==$AAAAAAAAAAAAAAAAAAAAAA=="])
def test_a_malformed_or_greedy_hash_matches_nothing(stored: str) -> None:
    assert not verify_secret("anything", stored)


# --- the Viterbi path ------------------------------------------------------------------------


def _value(scores: np.ndarray, path: tuple[int, ...], penalty: np.ndarray,
           restarts: np.ndarray) -> float:
    changes = sum(penalty[t] for t in range(1, len(path))
                  if path[t] != path[t - 1] and not restarts[t])
    return float(sum(scores[t, s] for t, s in enumerate(path)) - changes)


@pytest.mark.parametrize("seed", range(6))
def test_best_path_is_the_best_of_all_paths(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 6, 3
    scores = rng.normal(size=(n, k))
    penalty = rng.uniform(0, 2, size=n)
    restarts = rng.random(n) < 0.3
    no_restarts = np.zeros(n, dtype=bool)
    for pen, rs in ((penalty, restarts), (penalty, None), (float(penalty[1]), None)):
        each = pen if isinstance(pen, np.ndarray) else np.full(n, pen)
        free = no_restarts if rs is None else rs
        path = tuple(best_path(scores, pen, restarts=rs))
        best = max(_value(scores, p, each, free) for p in itertools.product(range(k), repeat=n))
        assert _value(scores, path, each, free) == pytest.approx(best)


def test_a_change_that_only_earns_its_penalty_is_not_made() -> None:
    scores = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert best_path(scores, 1.0).tolist() == [0, 0]
    assert best_path(scores, 0.5).tolist() == [0, 1]
    three = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    assert best_path(three, 10.0).tolist() == [0, 0, 0]
    assert best_path(three, 10.0, restarts=np.array([False, True, True])).tolist() == [0, 1, 0]


# --- the cache layout ------------------------------------------------------------------------


def test_deleting_a_recording_finds_each_cached_transcript_written_for_it(tmp_path: Path) -> None:
    rid, other = "0123456789abcdef", "0123456789abcdee"
    made = [paths.transcript_cache(tmp_path, rid, "words", "base-en-5"),
            paths.transcript_cache(tmp_path, rid, "speakers", "roster")]
    for path in [*made, paths.transcript_cache(tmp_path, other, "words", "base-en-5")]:
        atomic_write_text(path, "{}")
    assert paths.cached_transcripts(tmp_path, rid) == sorted(made)
    assert paths.cached_transcripts(tmp_path / "none", rid) == []


# --- an upload hashed once -------------------------------------------------------------------


class _Stop(Exception):
    pass


def test_an_uploaded_file_is_hashed_once_from_upload_to_transcript(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'synth.db'}"
    engine = make_engine(url)
    init_db(engine)
    conv = setup.create_convening(engine, title="Launch", industry="Manufacturing",
                                  region="Cascade Valley")
    engine.dispose()
    hashed: list[str] = []

    def counting(path: Path, chunk: int = 1 << 20) -> str:
        hashed.append(Path(path).name)
        return sha256_file(path, chunk)

    monkeypatch.setattr(ingest, "sha256_file", counting)
    data = SAMPLE.read_bytes()
    job = jobs.submit(url, conv, [("a.txt", data), ("b.txt", data[:4000])], start=False)
    assert hashed == []  # saving checks the type, by the first bytes only
    seen: list[str] = []

    def stop(transcripts, **kwargs):  # noqa: ANN001, ANN003, ANN202
        seen.extend(t.recording.id for t in transcripts)
        raise _Stop

    monkeypatch.setattr(pipeline, "synthesize_transcripts", stop)
    with pytest.raises(_Stop):
        jobs.process(url, conv, [Path(p) for p in job.inputs])
    assert sorted(hashed) == ["a.txt", "b.txt"]
    assert seen[0] == hashlib.sha256(data).hexdigest()[:16]
