"""A non-editable install (`pip install .`) carries what synth reads beside its code: the model
manifest, the priority list, and the app with its settings and pages for `synth app`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow
# What a wheel is built from (a copy, so the build leaves nothing in the working tree).
SOURCES = ["pyproject.toml", "README.md", "app.py", ".streamlit", "synth", "synth_app"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--wheel-dir", str(out), str(src)],
                   check=True, timeout=300)
    return next(out.glob("synth-*.whl"))


def test_wheel_carries_the_manifest_the_priorities_and_the_app(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"synth/data/model-manifest.json", "synth/data/priorities.json",
            "synth/__main__.py", "synth/cli/serve.py", "synth_app/pages/vote.py"} <= names
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    pages = {f"share/synth/synth_app/pages/{p.name}"
             for p in (ROOT / "synth_app" / "pages").glob("*.py")}
    assert {"share/synth/app.py", "share/synth/.streamlit/config.toml"} | pages == data
    assert not (ROOT / "models" / "manifest.json").exists()  # one copy, inside the package


def test_installed_copy_finds_its_manifest_and_app(wheel: Path, tmp_path: Path) -> None:
    """Installed without its dependencies into a fresh environment, away from the checkout."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
                    "--no-deps", "--no-index", str(wheel)], check=True, timeout=300)
    probe = ("import json, synth.models as m, synth.cli.serve as s; "
             "print(json.dumps([str(m.MANIFEST), sorted(m.manifest()), str(s.app_script())]))")
    done = subprocess.run([str(python), "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    manifest, roles, script = json.loads(done.stdout)
    assert Path(manifest).is_relative_to(venv) and "whisper-base" in roles
    assert Path(script) == venv / "share" / "synth" / "app.py"
    assert (Path(script).parent / "synth_app" / "pages" / "vote.py").is_file()
