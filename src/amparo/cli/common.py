"""Shared CLI plumbing: settings, logging, a database session, JSON output."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy.orm import Session

from amparo import logs
from amparo.errors import N_, AmparoError, InvalidInput, NotFound
from amparo.settings import Settings, get_settings
from amparo.store.engine import make_engine, make_session_factory, session_scope


def make_console(*, stderr: bool = False) -> Console:
    """Rich's console. Writing to a file or a pipe it wraps nothing (``soft_wrap``): a message
    stays on one line, without the padding Rich leaves at a wrap, so ``grep``, a spreadsheet or
    a log gets whole lines; on a terminal it wraps to the window as before."""
    made = Console(stderr=stderr)
    made.soft_wrap = not made.is_terminal
    return made


console = make_console()


def load_settings() -> Settings:
    settings = get_settings()
    logs.configure(settings.log_level, "text" if console.is_terminal else settings.log_format)
    settings.validate_for_startup()
    return settings


@contextmanager
def db_session(settings: Settings | None = None) -> Iterator[Session]:
    settings = settings or load_settings()
    engine = make_engine(settings)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def print_json(data: Any) -> None:
    """Machine-readable output on stdout, nothing else on it."""
    print(json.dumps(data, ensure_ascii=False, default=str))  # noqa: T201


def input_file(name: str, missing: type[AmparoError] = NotFound) -> Path:
    """The file a command reads, or an error that says what is wrong with the name: no such
    file (``missing``: ``amparo check`` has always exited 2 for it, as invalid input), or a
    folder where a file was expected."""
    path = Path(name)
    if path.is_dir():
        raise InvalidInput(N_("%(path)s is a folder, not a file."), path=name)
    if not path.is_file():
        raise missing(N_("There is no file %(path)s."), path=name)
    return path
