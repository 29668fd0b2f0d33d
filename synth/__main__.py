"""``python -m synth``: the same command as ``synth``."""

from synth.cli.main import app

if __name__ == "__main__":
    app(prog_name="synth")
