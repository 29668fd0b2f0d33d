"""Schema migrations, run in code: ``synth db init`` is ``alembic upgrade head``."""

from __future__ import annotations

import logging

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

log = logging.getLogger(__name__)


def alembic_config(engine: Engine) -> Config:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    cfg = Config()
    cfg.set_main_option("script_location", "synth.store:migrations")
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False)
                        .replace("%", "%%"))
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema up to ``revision``; safe to run again."""
    cfg = alembic_config(engine)
    if not log.isEnabledFor(logging.DEBUG):
        # Alembic reports each plugin and step at INFO: noise for someone running synth.
        logging.getLogger("alembic").setLevel(logging.WARNING)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    log.info("database at %s is at revision %s", engine.url.render_as_string(), revision)
