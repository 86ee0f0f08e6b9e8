"""The request class of both apps: a body that cannot be decoded is a 400, never a 500."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

__all__ = ["CisRequest"]


class CisRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        # msgspec reports these two outside its DecodeError, which Litestar maps to 400.
        try:
            return await super().json()
        except RecursionError:
            raise ClientException("the body is not valid JSON: nested too deeply") from None
        except UnicodeDecodeError:
            raise ClientException("the body is not valid JSON: not UTF-8") from None
