"""The one settings class. `os.environ` is read nowhere else (pydantic-settings does it here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from translators.review import ReviewPolicy

DEFAULT_TARGETS = ("en", "zh", "ko", "fr", "de", "es")
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$"
"""A language code (BCP 47 language with an optional region or script): the only spelling."""
_LANG = re.compile(LANGUAGE_PATTERN)


def _default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "kakehashi"


def _secrets_dir() -> Path | None:
    run = Path("/run/secrets")
    return run if run.is_dir() else None


class Settings(BaseSettings):
    """Every setting of kakehashi. Each is read from `KAKEHASHI_<NAME>` or a `.env` file."""

    # secrets_dir: a container's secret files (`/run/secrets/kakehashi_database_password`) are
    # read like variables, so a password need not sit in every container's environment.
    model_config = SettingsConfigDict(
        env_prefix="KAKEHASHI_",
        env_file=".env",
        extra="ignore",
        frozen=True,
        secrets_dir=_secrets_dir(),
    )

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Folder holding the SQLite file, the embedded Redis files and models/.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the store of record; unset: SQLite file in the data dir.",
    )
    database_password: SecretStr | None = Field(
        default=None,
        description="Password for database_url, given apart from it (any characters, no "
        "escaping: `@ : /` would break a URL); also read from the secret file "
        "/run/secrets/kakehashi_database_password.",
    )
    port: int = Field(
        default=8000,
        ge=1,
        le=65535,
        description="Port `serve` listens on (its --port wins) and the healthcheck probes.",
    )
    sqlite_busy_timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds a SQLite write waits for the write lock before answering 503.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis to use for cache and queue; unset: start an embedded Redis server.",
    )
    models_dir: Path | None = Field(
        default=None,
        description="Folder of installed argos-format packages; unset: data_dir/models.",
    )
    argos_packages_dir: Path | None = Field(
        default=None,
        description="Extra read-only folder of packages installed by argostranslate's own tools.",
    )
    model_index: str = Field(
        default="https://raw.githubusercontent.com/argosopentech/argospm-index/main/index.json",
        description="Argos-format package index (URL or file) for `models install ja:en`.",
    )
    models_allow_private: bool = Field(
        default=False,
        description="Let `models install` download from loopback, private and link-local "
        "addresses (an internal mirror).",
    )
    target_languages: Annotated[tuple[str, ...], NoDecode] = Field(
        default=DEFAULT_TARGETS,
        description="Comma-separated languages every article is translated into.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="When set, article writes must carry an HMAC signature made with it.",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="When set (16+ characters), /metrics needs `Authorization: Bearer` with it.",
    )
    max_body_bytes: int = Field(
        default=1_000_000, gt=0, description="Largest request body accepted, in bytes."
    )
    rate_limit_per_key: str = Field(
        default="1200/minute",
        description="Requests one API key may make (`N/second|minute|hour|day`); generous, "
        "for partners polling every feed.",
    )
    rate_limit_per_ip: str = Field(
        default="3000/minute", description="Requests with a token one client address may make."
    )
    rate_limit_failed_auth_per_ip: str = Field(
        default="30/minute",
        description="Failed authentications one client address may make before it is refused.",
    )
    failed_auth_tarpit_seconds: float = Field(
        default=2.0,
        ge=0,
        description="Seconds a feed request from an address over its failed-authentication "
        "limit is held before its 429 (asleep, no CPU: a flood of bad tokens is slowed to "
        "its connections / this a second); 0: answered at once.",
    )
    failed_auth_tarpit_connections: int = Field(
        default=512,
        ge=0,
        description="Requests held by the tarpit at once, per process; beyond it the 429 is "
        "answered at once with `Connection: close`.",
    )
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        description="Comma-separated addresses or networks (CIDR) of proxies whose "
        "X-Forwarded-For names the client (abuse limits count that address); none by default, "
        "`*` for any.",
    )
    body_read_timeout: float = Field(
        default=30.0, gt=0, description="Seconds a client may take to send a request body."
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a client may take to send a request's line and headers; a slower "
        "connection is closed (slowloris).",
    )
    translate_max_chars: int = Field(
        default=5000, gt=0, description="Longest text `POST /v1/translate` takes (else 413)."
    )
    translate_time_budget_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds `POST /v1/translate` may translate, checked between engine calls "
        "(else 413 over_time_budget).",
    )
    worker_threads: int = Field(
        default=2, ge=0, description="Worker threads inside `kakehashi serve` (0: none)."
    )
    sweep_interval: float = Field(
        default=5.0, gt=0, description="Seconds between outbox sweeps (re-send, model checks)."
    )
    job_lease_seconds: int = Field(
        default=45,
        ge=3,
        description="A running job renews its lease every third of this; a job whose worker "
        "stopped renewing it (died) is run again once it runs out.",
    )
    max_attempts: int = Field(default=3, ge=1, description="Attempts before a job is failed.")
    job_time_budget_seconds: float = Field(
        default=600.0,
        gt=0,
        description="Seconds one translation job may take; checked between engine calls (a "
        "few seconds each), past it the job fails saying so and its worker thread is free.",
    )
    cache_ttl_seconds: int = Field(
        default=30 * 86400, gt=0, description="Lifetime of a cached translated sentence."
    )
    public_url: str = Field(
        default="http://localhost:8000", description="Base URL partners reach the service at."
    )
    feed_title: str = Field(default="Kakehashi", description="Title prefix of every feed.")
    tombstone_days: int = Field(
        default=30, ge=0, description="Days a retracted item stays as an Atom tombstone."
    )
    websub_hubs: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(), description="Comma-separated WebSub hub URLs pinged when a feed changes."
    )
    ct2_threads: int = Field(
        default=0,
        ge=0,
        description="CTranslate2 threads per model call (0: the cores divided by the worker "
        "threads, at least 1).",
    )
    ct2_compute_type: str = Field(default="int8", description="CTranslate2 compute type.")
    # Off by default: with one CTranslate2 replica per worker thread, two jobs on one model
    # already run side by side, and a window only delays them (bench/throughput.py --grid).
    batch_wait_ms: float = Field(
        default=0.0,
        ge=0,
        le=1000,
        description="Milliseconds a translation waits for other jobs' sentences to batch with "
        "(0: off; pays with many more worker threads than cores).",
    )
    beam_size: int = Field(default=2, ge=1, le=16, description="Beam size for translation.")
    engine: Literal["argos", "generator"] = Field(
        default="argos",
        description="Engine provider: argos (argos-format packages on CTranslate2) or "
        "generator (a decoder-only model on CTranslate2's Generator, prompted with the terms).",
    )
    max_loaded_models: int = Field(
        default=0,
        ge=0,
        description="Most models one process keeps loaded; the least recently used is "
        "unloaded to load another (0: no limit).",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log level of `serve` and `worker` (their --log-level wins)."
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="`json`: one JSON object per log line (time, level, logger, message, "
        "exception), for log collectors; `text`: one readable line.",
    )
    review_max_flagged_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="Largest share of a translation's sentences with severe quality flags "
        "(untranslated, repetition, number-mismatch) that still needs no review.",
    )
    review_webhook_url: str | None = Field(
        default=None,
        description="URL told (a signed JSON POST) whenever a translation needs review.",
    )
    cms_webhook_url: str | None = Field(
        default=None,
        description="URL told (a signed JSON POST) when an article's translation into a "
        "language is done, needs review or failed.",
    )
    notice_secret: SecretStr | None = Field(
        default=None,
        description="Secret (32+ characters) signing the notices; defaults to the webhook "
        "secret. Unsigned when neither is set.",
    )
    notice_max_attempts: int = Field(
        default=8,
        ge=1,
        le=50,
        description="Attempts to deliver a notice before it is a dead letter (state failed, "
        "listed and re-sent by an admin).",
    )
    delivery_retention_days: int = Field(
        default=30, ge=1, description="Days a delivered notice is kept in the delivery log."
    )
    notice_backoff_seconds: float = Field(
        default=2.0,
        gt=0,
        le=3600,
        description="Wait before a notice's second attempt; doubles with each further one.",
    )
    usage_enabled: bool = Field(
        default=True,
        description="Count each key's fetches, 304s, items delivered and page views per day "
        "and language (`GET /v1/usage`, `kakehashi usage report`).",
    )
    usage_flush_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds between moves of usage counts from "
        "Redis to the database (they reach Redis within a second).",
    )
    usage_retention_days: int = Field(
        default=400, ge=1, description="Days of daily usage kept in the database."
    )
    push_allow_private: bool = Field(
        default=False,
        description="Let partners register push callbacks on loopback, private and link-local "
        "addresses, and over plain http (an internal receiver); else HTTPS to public hosts only.",
    )
    health_redis_grace_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Seconds Redis may stay unreachable before /healthz fails (503), so an "
        "orchestrator restarts the process.",
    )

    @field_validator("review_webhook_url", "cms_webhook_url")
    @classmethod
    def _check_notice_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"a notice URL must be an http(s) URL: {value!r}")
        return value or None

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("target_languages", mode="before")
    @classmethod
    def _split_languages(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("rate_limit_per_key", "rate_limit_per_ip", "rate_limit_failed_auth_per_ip")
    @classmethod
    def _check_rate(cls, value: str) -> str:
        from limits import parse

        try:
            parse(value)
        except ValueError as exc:
            raise ValueError(f"not a rate like 100/minute: {value!r}") from exc
        return value

    @field_validator("webhook_secret", "notice_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("the webhook secret needs at least 32 characters")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _check_metrics_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("the metrics token needs at least 16 characters")
        return value

    @field_validator("websub_hubs", mode="before")
    @classmethod
    def _split_hubs(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("websub_hubs")
    @classmethod
    def _check_hubs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for hub in value:
            if not hub.startswith(("http://", "https://")):
                raise ValueError(f"a WebSub hub must be an http(s) URL: {hub!r}")
        return value

    @field_validator("target_languages")
    @classmethod
    def _check_languages(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("at least one target language is needed")
        for lang in value:
            if not _LANG.match(lang):
                raise ValueError(f"not a language code: {lang!r}")
            if lang == "ja":
                raise ValueError("ja is the source language, not a target")
        return tuple(dict.fromkeys(value))

    @property
    def review_policy(self) -> ReviewPolicy:
        return ReviewPolicy(max_flagged_share=self.review_max_flagged_share)

    @property
    def resolved_models_dir(self) -> Path:
        return self.models_dir or self.data_dir / "models"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url is None:
            return f"sqlite:///{self.data_dir / 'kakehashi.sqlite3'}"
        if self.database_password is None:
            return self.database_url
        from sqlalchemy.engine import make_url  # SQLAlchemy quotes what a URL cannot hold

        url = make_url(self.database_url).set(password=self.database_password.get_secret_value())
        return url.render_as_string(hide_password=False)

    @property
    def extra_model_dirs(self) -> tuple[Path, ...]:
        if self.argos_packages_dir is not None:
            return (self.argos_packages_dir,)
        default = Path.home() / ".local" / "share" / "argos-translate" / "packages"
        return (default,) if default.is_dir() else ()
