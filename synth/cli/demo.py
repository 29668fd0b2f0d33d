"""Put the processed sample convening into the database, so the app opens on real candidates.

``python -m synth.cli.demo out/sample.json --audio samples/convening/convening.ogg
--roster samples/convening/roster.csv`` (what ``make run`` does). Idempotent: a result
already imported into the sample convening is not imported again, so the facilitator's
review of the sample survives every ``make run``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Engine

from synth.errors import SynthError

log = logging.getLogger(__name__)

TITLE = "Launch convening (sample)"
INDUSTRY = "Manufacturing"
REGION = "Cascade Valley"


def load_sample(engine: Engine, result: Path, *, audio: Path | None = None,
                roster: Path | None = None, files: Path | None = None) -> int:
    """Import the sample result (once) with its embeddings and audio; returns the convening id."""
    import datetime as dt

    from synth.convening import setup
    from synth.store import import_result as do_import
    from synth.store import init_db, queries, transaction
    from synth.store.result import load_result, with_vectors

    init_db(engine)
    conv = setup.create_convening(engine, title=TITLE, industry=INDUSTRY, region=REGION,
                                  date=dt.date.today(), kind="launch")
    if roster is not None:
        from synth.text.roster import load_roster

        setup.save_roster(engine, conv, load_roster(roster))
    parsed = load_result(result)
    with transaction(engine) as s:
        done = any(r.digest == parsed.digest for r in queries.runs_of(s, conv))
    if done:
        log.info("the sample is already in convening %d", conv)
    else:
        from synth.text.embed import embed_texts

        # A result file carries no vectors; the pipeline cached them by text hash, so this is
        # mostly a lookup.
        texts = [st.text for st in parsed.statements]
        vectors = dict(zip((st.id for st in parsed.statements), embed_texts(texts), strict=True))
        report = do_import(engine, with_vectors(parsed, vectors), convening=conv,
                           who="synth demo")
        log.info("imported the sample into convening %d: %d statements", conv,
                 report.statements_added)
    if audio is not None and files is not None:
        from synth.audio.ingest import identify
        from synth.convening.jobs import keep_media

        keep_media(files, identify(audio).id, audio)
    return conv


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m synth.cli.demo", description=__doc__)
    parser.add_argument("result", type=Path)
    parser.add_argument("--audio", type=Path)
    parser.add_argument("--roster", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
                        stream=sys.stderr)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    from synth.convening.jobs import files_dir
    from synth.store import make_engine

    try:
        engine = make_engine()  # reads the settings: a bad one is its line, not a traceback
        conv = load_sample(engine, args.result, audio=args.audio, roster=args.roster,
                           files=files_dir(engine.url.render_as_string(hide_password=False)))
    except SynthError as exc:
        log.error("%s", exc)
        return exc.exit_code
    log.info("sample convening %d is ready in %s", conv, engine.url.render_as_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
