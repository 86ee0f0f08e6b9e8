"""Typed settings, read once from the environment in each composition root.

`Settings` is what the environment says: a server URL may be missing (then `cis up`
and the one-shot commands start an embedded server). `ResolvedSettings` is what
every composition root takes: each URL is there, so no code checks it again.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from adapters.crypto import parse_master_keys

__all__ = ["ResolvedSettings", "Settings"]

# Development defaults, marked as such in every document that names the controller:
# production sets CIS_CONTROLLER_NAME, CIS_CONTROLLER_ADDRESS and CIS_CONTROLLER_EMAIL.
DEV_CONTROLLER_NAME = "CIS development instance (set CIS_CONTROLLER_NAME)"
DEV_CONTROLLER_ADDRESS = "no address configured (set CIS_CONTROLLER_ADDRESS)"
DEV_CONTROLLER_EMAIL = "dpo@example.invalid"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a process needs to know about its surroundings."""

    data_dir: Path
    database_url: str | None
    nats_url: str | None
    redis_url: str | None
    jwt_secret: str
    master_key: str
    audit_signing_key: str  # base64 of a 32-byte Ed25519 private key (adapters.audit)
    host: str
    command_port: int
    query_port: int
    log_level: str
    rate_limit_per_minute: int
    zefix_url: str
    zefix_user: str | None
    zefix_password: str | None
    projector_batch: int = 5000  # most events a read model applies in one transaction
    token_max_ttl_hours: float = 24.0  # longest a bearer token may live (exp - iat)
    auth_failures_per_minute: int = 60  # requests failing auth per client address, then 429
    max_body_bytes: int = 1_048_576  # larger request bodies get 413
    streams_per_subject: int = 5  # dashboard streams one token subject may hold open
    streams_total: int = 200  # dashboard streams one query API process holds open
    # Master keys that still unwrap data keys (hex), while a rotation rolls out.
    previous_master_keys: tuple[str, ...] = ()
    # The controller named in access reports (revDSG Art. 25), and its DPO's address.
    controller_name: str = DEV_CONTROLLER_NAME
    controller_address: str = DEV_CONTROLLER_ADDRESS
    controller_email: str = DEV_CONTROLLER_EMAIL
    # Retention (domain.retention.RetentionPolicy): months without activity, by purpose.
    retention_prospecting_months: int = 24
    retention_customer_care_months: int = 36
    business_year_end: tuple[int, int] = (12, 31)  # (month, day)
    retention_daily: bool = True  # `cis up` runs `cis dsg retention --apply` once a day
    # How long a command's answer is kept for retries with its Idempotency-Key; the
    # daily retention run drops older claims (adapters.postgres.expired_claims).
    idempotency_key_hours: float = 24.0
    smtp_url: str | None = None  # notifications' SMTP server; `cis up` embeds a sink without
    mail_from: str = "CIS <no-reply@cis.localhost>"  # sender of notifications
    # Where customers' replies go (Reply-To, marketing's List-Unsubscribe); None: the
    # controller's address, so a reply to a no-reply sender still reaches somebody.
    mail_reply_to: str | None = None
    blind_index_key: str = ""  # hex of the 32-byte key of the search's blind index
    # A worker's /metrics port (projector, relay, consumers); None: no metrics server.
    # One per process, so never handed on by `as_env` (`cis up` gives each its own).
    metrics_port: int | None = None
    # The query API reads its read models from this streaming replica (None: the primary).
    read_database_url: str | None = None
    read_fallback_to_primary: bool = False  # replica unreachable: read the primary, not 503
    production: bool = False  # CIS_ENV=production: every secret configured, none generated
    nats_replicas: int = 1  # JetStream stream replicas: 1 on one server, 3 on a cluster
    startup_timeout: float = 30.0  # how long a process waits for Postgres/NATS/Redis at start

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CIS_DATA_DIR", ".cis")).resolve()
        production = _production(env)
        if production:
            _refuse_missing_secrets(env)
        return cls(
            data_dir=data_dir,
            database_url=env.get("CIS_DATABASE_URL") or None,
            nats_url=env.get("CIS_NATS_URL") or None,
            redis_url=env.get("CIS_REDIS_URL") or None,
            jwt_secret=env.get("CIS_JWT_SECRET") or _dev_secret(data_dir, "jwt_secret"),
            master_key=env.get("CIS_MASTER_KEY") or _dev_secret(data_dir, "master_key"),
            audit_signing_key=env.get("CIS_AUDIT_SIGNING_KEY")
            or _dev_secret(data_dir, "audit_signing_key", _ed25519_seed),
            host=env.get("CIS_HOST", "127.0.0.1"),
            command_port=int(env.get("CIS_COMMAND_PORT", "8000")),
            query_port=int(env.get("CIS_QUERY_PORT", "8001")),
            log_level=env.get("CIS_LOG_LEVEL", "info"),
            rate_limit_per_minute=int(env.get("CIS_RATE_LIMIT_PER_MINUTE", "600")),
            zefix_url=env.get("CIS_ZEFIX_URL", "https://www.zefix.admin.ch/ZefixPublicREST"),
            zefix_user=env.get("CIS_ZEFIX_USER") or None,
            zefix_password=env.get("CIS_ZEFIX_PASSWORD") or None,
            projector_batch=_positive(env, "CIS_PROJECTOR_BATCH", 5000),
            token_max_ttl_hours=_positive_hours(env, "CIS_TOKEN_MAX_TTL_HOURS", 24.0),
            auth_failures_per_minute=_positive(env, "CIS_AUTH_FAILURES_PER_MINUTE", 60),
            max_body_bytes=_positive(env, "CIS_MAX_BODY_BYTES", 1_048_576),
            streams_per_subject=_positive(env, "CIS_STREAMS_PER_SUBJECT", 5),
            streams_total=_positive(env, "CIS_STREAMS_TOTAL", 200),
            previous_master_keys=_master_keys(env, "CIS_PREVIOUS_MASTER_KEYS"),
            controller_name=env.get("CIS_CONTROLLER_NAME") or DEV_CONTROLLER_NAME,
            controller_address=env.get("CIS_CONTROLLER_ADDRESS") or DEV_CONTROLLER_ADDRESS,
            controller_email=env.get("CIS_CONTROLLER_EMAIL") or DEV_CONTROLLER_EMAIL,
            retention_prospecting_months=_positive(env, "CIS_RETENTION_PROSPECTING_MONTHS", 24),
            retention_customer_care_months=_positive(
                env, "CIS_RETENTION_CUSTOMER_CARE_MONTHS", 36),
            business_year_end=_month_day(env, "CIS_BUSINESS_YEAR_END", (12, 31)),
            retention_daily=_flag(env, "CIS_RETENTION_DAILY", True),
            idempotency_key_hours=_positive_hours(env, "CIS_IDEMPOTENCY_KEY_HOURS", 24.0),
            smtp_url=env.get("CIS_SMTP_URL") or None,
            mail_from=env.get("CIS_MAIL_FROM") or "CIS <no-reply@cis.localhost>",
            mail_reply_to=env.get("CIS_MAIL_REPLY_TO") or None,
            blind_index_key=env.get("CIS_BLIND_INDEX_KEY")
            or _dev_secret(data_dir, "blind_index_key"),
            metrics_port=_port(env, "CIS_METRICS_PORT"),
            read_database_url=env.get("CIS_READ_DATABASE_URL") or None,
            read_fallback_to_primary=_flag(env, "CIS_READ_FALLBACK_TO_PRIMARY", False),
            production=production,
            nats_replicas=_nats_replicas(env, "CIS_NATS_REPLICAS"),
            startup_timeout=_positive_seconds(env, "CIS_STARTUP_TIMEOUT", 30.0),
        )

    def has_all_urls(self) -> bool:
        return self.resolved() is not None

    def resolved(self) -> ResolvedSettings | None:
        """These settings with every URL, or None while one is missing."""
        if self.database_url and self.nats_url and self.redis_url:
            return self.with_urls(self.database_url, self.nats_url, self.redis_url)
        return None

    def with_urls(self, database_url: str, nats_url: str, redis_url: str) -> ResolvedSettings:
        fields = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return ResolvedSettings(**{**fields, "database_url": database_url,
                                   "nats_url": nats_url, "redis_url": redis_url})

    def as_env(self) -> dict[str, str]:
        """The environment a child process needs to see the same settings."""
        env = {
            "CIS_DATA_DIR": str(self.data_dir),
            "CIS_JWT_SECRET": self.jwt_secret,
            "CIS_MASTER_KEY": self.master_key,
            "CIS_AUDIT_SIGNING_KEY": self.audit_signing_key,
            "CIS_HOST": self.host,
            "CIS_COMMAND_PORT": str(self.command_port),
            "CIS_QUERY_PORT": str(self.query_port),
            "CIS_LOG_LEVEL": self.log_level,
            "CIS_RATE_LIMIT_PER_MINUTE": str(self.rate_limit_per_minute),
            "CIS_ZEFIX_URL": self.zefix_url,
            "CIS_PROJECTOR_BATCH": str(self.projector_batch),
            "CIS_TOKEN_MAX_TTL_HOURS": str(self.token_max_ttl_hours),
            "CIS_AUTH_FAILURES_PER_MINUTE": str(self.auth_failures_per_minute),
            "CIS_MAX_BODY_BYTES": str(self.max_body_bytes),
            "CIS_STREAMS_PER_SUBJECT": str(self.streams_per_subject),
            "CIS_STREAMS_TOTAL": str(self.streams_total),
            "CIS_CONTROLLER_NAME": self.controller_name,
            "CIS_CONTROLLER_ADDRESS": self.controller_address,
            "CIS_CONTROLLER_EMAIL": self.controller_email,
            "CIS_RETENTION_PROSPECTING_MONTHS": str(self.retention_prospecting_months),
            "CIS_RETENTION_CUSTOMER_CARE_MONTHS": str(self.retention_customer_care_months),
            "CIS_BUSINESS_YEAR_END": "{:02d}-{:02d}".format(*self.business_year_end),
            "CIS_RETENTION_DAILY": "true" if self.retention_daily else "false",
            "CIS_IDEMPOTENCY_KEY_HOURS": str(self.idempotency_key_hours),
            "CIS_MAIL_FROM": self.mail_from,
            "CIS_MAIL_REPLY_TO": self.mail_reply_to or "",
            "CIS_BLIND_INDEX_KEY": self.blind_index_key,
            "CIS_READ_FALLBACK_TO_PRIMARY": "true" if self.read_fallback_to_primary else "false",
            "CIS_ENV": "production" if self.production else "development",
            "CIS_NATS_REPLICAS": str(self.nats_replicas),
            "CIS_STARTUP_TIMEOUT": str(self.startup_timeout),
        }
        optional = (
            ("CIS_ZEFIX_USER", self.zefix_user),
            ("CIS_ZEFIX_PASSWORD", self.zefix_password),
            ("CIS_DATABASE_URL", self.database_url),
            ("CIS_NATS_URL", self.nats_url),
            ("CIS_REDIS_URL", self.redis_url),
            ("CIS_PREVIOUS_MASTER_KEYS", ",".join(self.previous_master_keys)),
            ("CIS_SMTP_URL", self.smtp_url),
            ("CIS_READ_DATABASE_URL", self.read_database_url),
        )
        env.update({key: value for key, value in optional if value})
        return env


@dataclass(frozen=True, slots=True)
class ResolvedSettings(Settings):
    """Settings whose server URLs are all known (configured, or embedded servers')."""

    database_url: str
    nats_url: str
    redis_url: str


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name)
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"{name} must be a positive whole number, not {text!r}")
    return value


def _port(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name)
    if not text:
        return None
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{name} must be a TCP port (1-65535), not {text!r}")
    return int(text)
# Generated secrets live in one data directory: in production every process (every
# container) must be handed the same ones, or tokens, sealed data and searches would
# differ from process to process.
PRODUCTION_SECRETS = ("CIS_JWT_SECRET", "CIS_MASTER_KEY", "CIS_AUDIT_SIGNING_KEY",
                      "CIS_BLIND_INDEX_KEY")


def _production(env: Mapping[str, str]) -> bool:
    text = (env.get("CIS_ENV") or "development").strip().lower()
    if text not in ("development", "production"):
        raise ValueError(f"CIS_ENV must be development or production, not {text!r}")
    return text == "production"


def _refuse_missing_secrets(env: Mapping[str, str]) -> None:
    missing = [name for name in PRODUCTION_SECRETS if not env.get(name)]
    if missing:
        raise ValueError(f"CIS_ENV=production needs {', '.join(missing)} (none is generated "
                         "in production; see README \"Configuration\" for each one's "
                         "format)")


def _nats_replicas(env: Mapping[str, str], name: str) -> int:
    replicas = _positive(env, name, 1)
    if replicas > 5:  # JetStream's own limit
        raise ValueError(f"{name} must be 1 to 5 (JetStream replicas), not {replicas}")
    return replicas


def _positive_number(env: Mapping[str, str], name: str, default: float, unit: str) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{name} must be a number of {unit} above 0, not {text!r}")
    return value


def _positive_seconds(env: Mapping[str, str], name: str, default: float) -> float:
    return _positive_number(env, name, default, "seconds")


def _month_day(env: Mapping[str, str], name: str, default: tuple[int, int]) -> tuple[int, int]:
    """MM-DD, a day every year has (so not 02-29)."""
    text = env.get(name)
    if not text:
        return default
    try:
        month, day = (int(part) for part in text.split("-"))
        date(2001, month, day)
    except ValueError:
        raise ValueError(f"{name} must be a day of the year as MM-DD (e.g. 12-31, never "
                         f"02-29), not {text!r}") from None
    return month, day


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name)
    if not text:
        return default
    lowered = text.strip().lower()
    if lowered in ("true", "1", "yes", "on"):
        return True
    if lowered in ("false", "0", "no", "off"):
        return False
    raise ValueError(f"{name} must be true or false, not {text!r}")


def _positive_hours(env: Mapping[str, str], name: str, default: float) -> float:
    return _positive_number(env, name, default, "hours")


def _master_keys(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated hex master keys, checked now so a bad one stops the process at
    its start, with the variable named (never the text)."""
    return tuple(key.hex() for key in parse_master_keys(env.get(name, ""), name))


def _ed25519_seed() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _dev_secret(data_dir: Path, name: str,
                generate: Callable[[], str] = lambda: secrets.token_hex(32)) -> str:
    """A generated secret kept in the data dir, so restarts and child processes agree.

    Only for development: production sets CIS_JWT_SECRET, CIS_MASTER_KEY,
    CIS_AUDIT_SIGNING_KEY and CIS_BLIND_INDEX_KEY.
    """
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # Write aside, then link into place: link fails if another process won the race,
    # and nobody ever reads a half-written secret.
    draft = path.with_suffix(f".{os.getpid()}.tmp")
    draft.write_text(generate())
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()
