"""Embeddings from the packaged MiniLM, cached by text hash."""

from __future__ import annotations

import numpy as np
import pytest

from synth.text.embed import embed_texts


def test_vectors_are_normalised_and_meaningful(embedder, tmp_path) -> None:
    texts = ["We cannot hire enough welders.", "Finding welders is really hard.",
             "The permit for our new building took a year."]
    v = embed_texts(texts, model=embedder, cache_dir=tmp_path)
    assert v.shape == (3, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert v[0] @ v[1] > v[0] @ v[2]


def test_unchanged_statements_are_never_embedded_again(embedder, tmp_path, monkeypatch) -> None:
    first = embed_texts(["one statement", "another statement"], model=embedder,
                        cache_dir=tmp_path)
    calls: list[list[str]] = []
    real = embedder.encode

    def counting(texts, **kw):
        calls.append(list(texts))
        return real(texts, **kw)

    monkeypatch.setattr(embedder, "encode", counting)
    again = embed_texts(["another statement", "a new one", "one statement"], model=embedder,
                        cache_dir=tmp_path)
    assert calls == [["a new one"]], calls
    assert np.array_equal(again[0], first[1]) and np.array_equal(again[2], first[0])


def test_empty_input(embedder, tmp_path) -> None:
    assert embed_texts([], model=embedder, cache_dir=tmp_path).shape == (0, 384)


@pytest.mark.parametrize("n", [1, 130])
def test_batches_keep_order(embedder, tmp_path, n: int) -> None:
    texts = [f"statement number {i} about hiring" for i in range(n)]
    batched = embed_texts(texts, model=embedder, cache_dir=tmp_path, batch_size=16)
    direct = embedder.encode(texts, normalize_embeddings=True)
    assert np.allclose(batched, direct, atol=1e-5)
