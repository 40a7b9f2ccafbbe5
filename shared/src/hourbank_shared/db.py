"""Engines and sessions for a service's own database."""

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from hourbank_shared.settings import sqlalchemy_url


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine with pre-ping, so connections survive a database restart."""
    return create_engine(
        sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
