"""Find the web app's entry script so that ``synth app`` can serve it with Streamlit.

In a source checkout (and an editable install) the app is ``app.py`` at the repository root,
served from there as ``make run`` does. A wheel (``pip install .``) puts the library and
``synth_app`` in site-packages, and ``app.py``, its ``.streamlit/config.toml`` and the page
scripts in ``<prefix>/share/synth`` (pyproject's data-files): Streamlit finds the pages by
paths relative to the entry script and reads its settings from the working folder, so they
travel together. Nothing here imports Streamlit or the app.
"""

from __future__ import annotations

import site
import sys
import sysconfig
from pathlib import Path

from synth.errors import SynthError
from synth.settings import PROJECT_ROOT

SCRIPT = "app.py"


def _is_app_folder(folder: Path) -> bool:
    # All three, so that some other project's app.py (in site-packages, say) is never taken.
    return ((folder / SCRIPT).is_file() and (folder / "synth_app" / "pages").is_dir()
            and (folder / ".streamlit" / "config.toml").is_file())


def app_folders() -> list[Path]:
    """Where the app may be, in order: the checkout this package runs from, then the data
    folders a wheel may have been installed into (a virtual environment, the user's)."""
    roots = [sys.prefix, sysconfig.get_path("data"), getattr(site, "USER_BASE", None)]
    installed = [Path(r) / "share" / "synth" for r in dict.fromkeys(roots) if r]
    return [PROJECT_ROOT, *installed]


def app_script() -> Path:
    """The app's entry script; a :class:`SynthError` saying where it was looked for if none."""
    for folder in app_folders():
        if _is_app_folder(folder):
            return folder / SCRIPT
    looked = ", ".join(str(f) for f in app_folders())
    raise SynthError(f"The app ({SCRIPT} with synth_app/pages and .streamlit/config.toml) is "
                     f"not in {looked}. Reinstall synth (pip install .) or run synth app from "
                     "a checkout of it.")


def streamlit_args(script: Path, *, port: int | None = None,
                   address: str | None = None) -> list[str]:
    """The arguments of ``streamlit`` that serve ``script``."""
    args = ["run", str(script)]
    if port is not None:
        args += ["--server.port", str(port)]
    if address is not None:
        args += ["--server.address", address]
    return args
