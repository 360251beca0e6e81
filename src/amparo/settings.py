"""Configuration from ``AMPARO_*`` environment variables (and a ``.env`` file).

Settings are built by :func:`get_settings`, never at import time. Embedded mode (the default) is
safe to start with no configuration at all: the database is SQLite under ``./var`` and a random
secret key is generated once into ``./var/secret.key`` (mode 0600). Production mode refuses to
start without an explicit secret key, because a key generated on one machine would make personal
data unreadable on the next.
"""

from __future__ import annotations

import functools
import os
import secrets
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from amparo.errors import ConfigurationError

MIN_SECRET_KEY_LENGTH = 32


class Settings(BaseSettings):
    """Every setting Amparo reads; each one is documented in README.md (a test keeps it so)."""

    model_config = SettingsConfigDict(
        env_prefix="AMPARO_", env_file=".env", extra="ignore", frozen=True
    )

    env: Literal["development", "production", "test"] = Field(
        default="development",
        description="development (embedded defaults), production (strict) or test.",
    )
    data_dir: Path = Field(
        default=Path("var"), description="Folder for the SQLite database and generated keys."
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; default sqlite:///<data_dir>/amparo.db. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Master key (at least 32 characters) for field encryption, keyed hashes "
        "and signed cookies. Required in production.",
    )
    old_secret_keys: Annotated[list[SecretStr], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated previous keys, still accepted for decryption until "
        "'amparo admin rotate-key' has re-encrypted everything.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public URL, used in links and cookies."
    )
    host: str = Field(default="127.0.0.1", description="Address 'amparo serve' listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port 'amparo serve' listens on.")
    max_body_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted, in bytes."
    )
    anonymous_rate_limit: str = Field(
        default="30/minute", description="Rate limit per client for anonymous endpoints."
    )
    lookup_rate_limit: str = Field(
        default="20/hour",
        description='Rate limit per client for anonymous look-ups ("was this number reported?").',
    )
    lookup_anonymous_delay_hours: int = Field(
        default=24,
        ge=0,
        le=24 * 30,
        description="Anonymous look-ups count only reports older than this, so an extortioner "
        "cannot watch a number get reported.",
    )
    partner_lookup_rate_limit: str = Field(
        default="600/hour",
        description="Rate limit per partner hub on the online partner look-up, counted in "
        "values asked (not calls), so a hub cannot enumerate numbers.",
    )
    remote_hub_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        le=30,
        description="How long a member's look-up waits for partner hubs' online answers.",
    )
    login_rate_limit: str = Field(
        default="10/minute", description="Rate limit per client and per account for log-ins."
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counters live: memory:// (one process) or redis://host:6379.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated proxy addresses whose X-Forwarded-For is believed.",
    )
    session_hours: int = Field(
        default=12, ge=1, le=24 * 30, description="Lifetime of a page log-in session, in hours."
    )
    embedded_worker: bool = Field(
        default=True, description="Run the background worker inside 'amparo serve'."
    )
    worker_interval_seconds: float = Field(
        default=5.0, gt=0, description="Pause between worker passes when there is nothing to do."
    )
    sos_cancel_seconds: int = Field(
        default=10,
        ge=0,
        le=120,
        description="Seconds in which a mistaken SOS can be cancelled before anyone is alerted.",
    )
    alert_ack_minutes: float = Field(
        default=15,
        gt=0,
        description="Minutes an emergency alert waits for acknowledgement before it climbs to "
        "the contact's next channel.",
    )
    delivery_attempts: int = Field(
        default=4, ge=1, le=20, description="Attempts per channel before the next channel is tried."
    )
    delivery_backoff_seconds: float = Field(
        default=5,
        gt=0,
        description="First retry delay; doubled on every retry (with jitter), at most 5 minutes.",
    )
    delivery_lease_seconds: int = Field(
        default=60,
        ge=5,
        description="How long a worker holds a claimed delivery; a crashed worker's claims are "
        "retried after it.",
    )
    delivery_threads: int = Field(
        default=8, ge=1, le=64, description="Deliveries a worker sends in parallel."
    )
    checkins_kept: int = Field(
        default=5, ge=1, le=100, description="Check-ins kept per traveller; older ones are deleted."
    )
    trip_retention_days: int = Field(
        default=30,
        ge=1,
        description="Days after a trip is closed before everything about it is deleted.",
    )
    max_silence_hours: int = Field(
        default=168, ge=1, description="Longest planned silence a traveller may declare."
    )
    pin_attempts: int = Field(
        default=5, ge=1, description="Wrong PINs or codes in a row before check-ins lock."
    )
    pin_lock_minutes: int = Field(
        default=15, ge=1, description="How long check-ins stay locked after too many wrong PINs."
    )
    log_level: str = Field(default="INFO", description="Logging level.")
    log_format: Literal["json", "text"] = Field(
        default="json", description="json (one object per line) or text."
    )
    default_language: Literal["es", "en", "pt", "fr"] = Field(
        default="es", description="Language used when the client expresses no preference."
    )

    @field_validator("old_secret_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'amparo.db'}"

    @property
    def cookie_secure(self) -> bool:
        return self.base_url.startswith("https://")

    def secret(self) -> str:
        """The current master key; generated into ``data_dir`` outside production."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value()
        if self.env == "production":
            raise ConfigurationError("AMPARO_SECRET_KEY is required in production.")
        return _local_secret(self.data_dir)

    def validate_for_startup(self) -> None:
        """Refuse configurations that would put people's data at risk."""
        keys = [self.secret()] + [k.get_secret_value() for k in self.old_secret_keys]
        for key in keys:
            if len(key) < MIN_SECRET_KEY_LENGTH:
                raise ConfigurationError(
                    f"Secret keys must be at least {MIN_SECRET_KEY_LENGTH} characters long."
                )
        if self.env == "production" and not self.base_url.startswith("https://"):
            raise ConfigurationError("AMPARO_BASE_URL must use https:// in production.")


@functools.lru_cache(maxsize=8)
def _local_secret(data_dir: Path) -> str:
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key


def get_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides (used by tests and the CLI)."""
    return Settings(**overrides)  # type: ignore[arg-type]
