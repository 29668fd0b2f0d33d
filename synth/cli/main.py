"""The ``synth`` command. Each command is a few lines over the library.

Heavy libraries are imported inside commands, so ``synth --help`` stays instant.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import typer.core

from synth.cli import followup as followup_cli
from synth.cli import priority as priority_cli
from synth.cli import privacy as privacy_cli
from synth.cli import review as review_cli
from synth.cli import vote as vote_cli
from synth.cli.common import expected_errors
from synth.errors import SynthError
from synth.settings import Settings
from synth.settings import load as load_settings
from synth.terminal import StderrHandler, echo, safe_logging

if TYPE_CHECKING:  # typer carries its own copy of click
    from typer._click import Context, HelpFormatter


class HelpGroup(typer.core.TyperGroup):
    """Lists each command with its whole first sentence (click cuts it to fit one line)."""

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = [(name, cmd.get_short_help_str(limit=1 << 16))
                for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


# Plain click help: this typer's rich panels give every flag a "<bool>" type and cut long
# option names to fit their columns.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  cls=HelpGroup,
                  help="Turn a convening's recordings into its shared priorities, offline.")
log = logging.getLogger("synth")


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Also log debugging detail.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Log warnings and errors only.")] = False,
) -> None:
    """synth: recordings of a sector-partnership convening -> shared priorities."""
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    fmt = "%(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=level, format=fmt, handlers=[StderrHandler()], force=True)
    safe_logging(fmt)  # log lines carry labels and names made of participants' words
    for noisy in ("faster_whisper", "sentence_transformers", "numba", "httpx", "BERTopic"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    with expected_errors():
        load_settings()  # a bad SYNTH_* value stops every command with its one line, up front


@contextmanager
def progress_bar(desc: str) -> Iterator[Callable[[float, str], None]]:
    """A tqdm bar on stderr driven by a (fraction done, message) callback."""
    from tqdm import tqdm

    interactive = sys.stderr.isatty()
    logged = [-1]
    with tqdm(total=100, desc=desc, unit="%", file=sys.stderr, leave=False,
              disable=not interactive) as bar:
        def update(done: float, message: str) -> None:
            bar.n = round(done * 100)
            bar.set_postfix_str(message, refresh=True)
            # Without a terminal (CI, logs, nohup) show progress as a log line every 10%.
            if not interactive and int(done * 10) > logged[0]:
                logged[0] = int(done * 10)
                log.info("%s: %s", desc, message)
        yield update


SpeakersOpt = Annotated[str | None, typer.Option(
    "--speakers", metavar="auto|N|roster",
    help="Find who spoke from the audio: 'auto', a number of speakers, or 'roster' (as many "
         "as the roster lists).")]
RosterOpt = Annotated[Path | None, typer.Option(
    metavar="CSV", help="CSV with name, company, role (business, public, facilitator, other) "
                        "and optionally voice (a short recording of the person, to name voices).")]
ModelOpt = Annotated[str | None, typer.Option(
    metavar="NAME", help="Whisper model: base (default), tiny.en, a CTranslate2 model folder, "
                         "or a hub name with SYNTH_ALLOW_DOWNLOAD=1.")]
LanguageOpt = Annotated[str | None, typer.Option(
    metavar="CODE", help="Language code (default en), or 'auto' to detect.")]
ForceOpt = Annotated[bool, typer.Option("--force", help="Transcribe again even if cached.")]
PartnershipOpt = Annotated[int | None, typer.Option(
    metavar="ID", help="A partnership in the review database (SYNTH_DATABASE_URL) whose confirmed "
                       "and active priorities this meeting follows up: what is said about one is "
                       "attached to it (raised again), only the rest forms new candidates.")]


def _speakers(value: str | None) -> str | int | None:
    if value is None or value in {"auto", "roster"}:
        return value
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise typer.BadParameter("use 'auto', 'roster' or a positive number",
                             param_hint="--speakers")


DeviceOpt = Annotated[str | None, typer.Option(
    metavar="cpu|cuda", help="cpu (default) or cuda: an NVIDIA GPU for transcription "
                             "(float16, batched) and embeddings.")]
BatchOpt = Annotated[int | None, typer.Option(
    metavar="N", help="Speech chunks decoded side by side (default: 0 on the CPU, 16 on a GPU).")]


def _with_device(settings: Settings, device: str | None, batch_size: int | None) -> Settings:
    if device:
        settings = settings.with_(device=device)
    if batch_size is not None:
        if batch_size < 0:
            raise typer.BadParameter("use 0 (sequential) or a positive number",
                                     param_hint="--batch-size")
        settings = settings.with_(batch_size=batch_size)
    return settings


@app.command()
def transcribe(
    files: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="Recordings (audio/video) or transcripts.")],
    model: ModelOpt = None,
    language: LanguageOpt = None,
    out: Annotated[Path | None, typer.Option(
        metavar="PATH", help="Output file; format by extension (.json .vtt .srt .txt). With "
                             "several inputs, a folder.")] = None,
    speakers: SpeakersOpt = None,
    roster: RosterOpt = None,
    force: ForceOpt = False,
    device: DeviceOpt = None,
    batch_size: BatchOpt = None,
) -> None:
    """Transcribe recordings into timed, verbatim turns."""
    from synth import settings as settings_mod
    from synth.audio.speakers import name_speakers
    from synth.audio.transcribe import transcribe_file
    from synth.text.roster import load_roster, load_voices
    from synth.text.writers import to_text, write_transcript

    settings = _with_device(settings_mod.load(), device, batch_size)
    if language:
        settings = settings.with_(language=language)
    who = _speakers(speakers)
    if who == "roster":
        # As in synthesize: the roster bounds how many voices there are.
        if roster is None:
            raise typer.BadParameter("'roster' needs --roster with the people in the room",
                                     param_hint="--speakers")
        with expected_errors():
            who = len(load_roster(roster))
    with expected_errors():
        voices = load_voices(roster) if roster and who is not None else {}
    failures = 0
    for path in files:
        with expected_errors(), progress_bar(path.name) as progress:
            try:
                transcript = transcribe_file(path, settings=settings, model=model, speakers=who,
                                             force=force, progress=progress, voices=voices)
                if voices:  # as in synthesize: voices that match a sample take its name
                    transcript = name_speakers([transcript], [path], voices)[0]
            except SynthError as exc:
                # One bad file must not lose the others: report it and carry on.
                if len(files) == 1:
                    raise
                echo(f"error: {exc}", err=True)
                failures += 1
                continue
            for r in transcript.removed:
                log.info("removed %.1f-%.1f s (%s): %r", r.start, r.end, r.reason, r.text)
            if out is None:
                echo(to_text(transcript), nl=False)
            elif len(files) == 1 and out.suffix:
                write_transcript(transcript, out)
            else:
                write_transcript(transcript, out / f"{path.stem}.json")
    if failures:
        raise typer.Exit(2)


@app.command()
def synthesize(
    inputs: Annotated[list[Path], typer.Argument(
        metavar="FILE", help="The recordings (audio/video) or transcripts of one convening.")],
    out: Annotated[list[Path], typer.Option(
        metavar="FILE",
        help="Result file(s): .json (full result) or .md (readable summary). Repeatable.")],
    roster: RosterOpt = None,
    model: ModelOpt = None,
    language: LanguageOpt = None,
    speakers: SpeakersOpt = None,
    themes: Annotated[int | None, typer.Option(
        metavar="N",
        help="Fix the number of candidate priorities (default: found automatically).")] = None,
    seed: Annotated[int, typer.Option(metavar="N", help="Seed for theme finding.")] = 0,
    include_facilitator: Annotated[bool, typer.Option(
        "--include-facilitator", help="Also cluster what facilitators said.")] = False,
    force: ForceOpt = False,
    priorities: Annotated[Path | None, typer.Option(
        metavar="JSON",
        help="List of commonly named priorities to suggest as names (default: synth's own, "
             "synth/data/priorities.json).")] = None,
    device: DeviceOpt = None,
    batch_size: BatchOpt = None,
    notes: Annotated[list[Path] | None, typer.Option(
        "--notes", metavar="FILE",
        help="What the room wrote: flip-chart or sticky notes typed as .txt/.md (one note a "
             "line, '# title' per sheet, optional 'Table 2:' or 'Name:') or .csv (note, "
             "author, table, dots). Matched to the candidates and compared with what was "
             "said. Repeatable.")] = None,
    partnership: PartnershipOpt = None,
) -> None:
    """Find the candidate shared priorities of one convening."""
    from synth import settings as settings_mod
    from synth.convening import report
    from synth.convening.pipeline import synthesize as run_pipeline
    from synth.errors import InputError
    from synth.text.roster import load_roster, load_voices
    from synth.themes.candidates import ThemeSettings

    writers = {".json": report.to_json, ".md": report.to_markdown}
    with expected_errors():
        for path in out:
            if path.suffix.lower() not in writers:
                raise InputError(f"{path}: unknown result format; use .json or .md.")
        settings = _with_device(settings_mod.load(), device, batch_size)
        if language:
            settings = settings.with_(language=language)
        people = load_roster(roster) if roster else []
        with progress_bar("convening") as progress:
            result = run_pipeline(inputs, settings=settings, roster=people, model=model,
                                  speakers=_speakers(speakers),
                                  voices=load_voices(roster) if roster else None,
                                  theme_settings=ThemeSettings(n_themes=themes, seed=seed),
                                  include_facilitator=include_facilitator, force=force,
                                  priorities=priorities, notes=notes or (),
                                  known=_known(partnership), progress=progress)
        _write_results(result, out, writers)


def _known(partnership: int | None) -> list:
    """The known priorities of ``--partnership`` (none without it), read from the review
    database before any slow step."""
    from synth.cli.common import open_engine
    from synth.convening.setup import known_topics

    if partnership is None:
        return []
    engine = open_engine()
    try:
        return known_topics(engine, partnership)
    finally:
        engine.dispose()


def _write_results(result, out: list[Path], writers: dict) -> None:
    """Write each result file and log the candidates, best first."""
    from synth.files import atomic_write_text

    for path in out:
        atomic_write_text(path, writers[path.suffix.lower()](result))
        log.info("wrote %s", path)
    for rank, theme in enumerate(result.themes.themes, start=1):
        log.info("%d. %s (%d speakers, %d statements)", rank, theme.label, theme.breadth,
                 len(theme.statement_ids))


@app.command("app")
def serve_app(
    port: Annotated[int | None, typer.Option(
        metavar="N", help="Port to serve on (default 8501).")] = None,
    address: Annotated[str | None, typer.Option(
        metavar="HOST", help="Address to serve on (default 127.0.0.1, this machine only; your "
                             "LAN address lets voters' phones reach it).")] = None,
) -> None:
    """Serve the web app (review, ballots, results) with Streamlit until Ctrl+C."""
    import os

    from synth.cli.serve import app_script, streamlit_args

    with expected_errors():
        script = app_script()
    log.info("serving %s", script)
    # Streamlit reads its settings (.streamlit/config.toml) from the working folder. It runs in
    # this process, so Ctrl+C and a service manager's stop reach it directly.
    os.chdir(script.parent)
    from streamlit.web import cli as streamlit_cli

    streamlit_cli.main(args=streamlit_args(script, port=port, address=address),
                       prog_name="streamlit")


# The command groups live in their own modules, which import synth.cli.common and never this
# one; mounted here so `synth --help` lists them.
app.add_typer(review_cli.db_app, name="db", cls=HelpGroup)
app.command("import")(review_cli.import_result)
app.add_typer(review_cli.review_app, name="review", cls=HelpGroup)
app.add_typer(review_cli.speakers_app, name="speakers", cls=HelpGroup)
app.add_typer(privacy_cli.recordings_app, name="recordings", cls=HelpGroup)
review_cli.review_app.command("withdraw")(privacy_cli.withdraw)
app.add_typer(vote_cli.vote_app, name="vote", cls=HelpGroup)
app.add_typer(priority_cli.priority_app, name="priority", cls=HelpGroup)
app.command("export")(vote_cli.export_command)
app.command("followup")(followup_cli.followup_command)


def run() -> None:  # pragma: no cover - console entry point alias
    app()
