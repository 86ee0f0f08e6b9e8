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
from pathlib import Path

__all__ = ["ResolvedSettings", "Settings"]


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
    blind_index_key: str = ""  # hex of the 32-byte key of the search's blind index

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CIS_DATA_DIR", ".cis")).resolve()
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
            blind_index_key=env.get("CIS_BLIND_INDEX_KEY")
            or _dev_secret(data_dir, "blind_index_key"),
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
            "CIS_BLIND_INDEX_KEY": self.blind_index_key,
        }
        optional = (
            ("CIS_ZEFIX_USER", self.zefix_user),
            ("CIS_ZEFIX_PASSWORD", self.zefix_password),
            ("CIS_DATABASE_URL", self.database_url),
            ("CIS_NATS_URL", self.nats_url),
            ("CIS_REDIS_URL", self.redis_url),
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


def _positive_hours(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name)
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise ValueError(f"{name} must be a number of hours above 0, not {text!r}")
    return value


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
