"""Alembic for every service: one env.py body, and `upgrade` for CLIs and tests.

A service's `migrations/env.py` is `run_env(metadata, "HOURBANK_<SERVICE>_DATABASE_URL")`.
"""

import os
from logging.config import fileConfig
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, create_engine, pool

from hourbank_shared.settings import sqlalchemy_url


def run_env(metadata: MetaData, url_variable: str) -> None:
    """The body of a service's env.py: migrate the database the URL (or variable) names."""
    config = context.config
    if config.config_file_name is not None and config.attributes.get("configure_logger", True):
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = sqlalchemy_url(config.attributes.get("url") or os.environ[url_variable])
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def upgrade(alembic_ini: Path, database_url: str, *, quiet: bool = False) -> None:
    """`alembic upgrade head` on the given database."""
    config = Config(alembic_ini)
    config.attributes["url"] = database_url
    if quiet:
        config.attributes["configure_logger"] = False
    command.upgrade(config, "head")
