# make run   set up .venv if needed, run the main job on the bundled sample convening and
#            serve the app on it (http://127.0.0.1:8501)
# make test  set up .venv if needed, lint (ruff) and type-check (mypy), then run the whole
#            test suite; a lint or type error stops it with its message
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test lint typecheck clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@echo "Setting up $(VENV): synth, its libraries and models (about 4 minutes the first time)."
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# pip's own output (each package, download bars) shows that the long installs progress.
	# The CPU build of torch must come first, or a CUDA build of several GB is pulled in.
	$(PY) -m pip install --disable-pip-version-check --progress-bar on torch==2.13.0
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -e '.[test]'
	# Only the voice encoder's weights are used; its librosa and webrtcvad dependencies are not.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps resemblyzer==0.1.4
	touch $(STAMP)

run: setup
	$(VENV)/bin/synth synthesize samples/convening/convening.ogg \
		--roster samples/convening/roster.csv --speakers roster \
		--notes samples/convening/notes.md --notes samples/convening/wall.csv \
		--out out/sample.json --out out/sample.md
	# Into the database (once: a second run keeps the review), then serve the app on it.
	$(PY) -m synth.cli.demo out/sample.json --audio samples/convening/convening.ogg \
		--roster samples/convening/roster.csv
	$(VENV)/bin/synth app

test: lint typecheck
	$(PY) -m pytest

lint: setup
	$(VENV)/bin/ruff check synth synth_app app.py pipelines tests

# What it checks is in pyproject.toml ([tool.mypy]).
typecheck: setup
	$(PY) -m mypy

clean:
	rm -rf $(VENV) out .pytest_cache test-artifacts
