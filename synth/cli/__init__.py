"""The ``synth`` command: :mod:`synth.cli.main` is the app and mounts the command groups
(review, vote, privacy), which share :mod:`synth.cli.common`; ``serve`` finds the web app and
``demo`` loads the sample convening (``python -m synth.cli.demo``, as ``make run`` does)."""
