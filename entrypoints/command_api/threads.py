"""The threads commands run in: a pool of their own, one thread per database connection.

The application is synchronous, so each command runs in a worker thread. Not asyncio's
default pool (a few threads, shared with everything else the server hands to threads,
such as name lookups for new connections): commands would wait there behind each other
and other work behind them. As many threads as the application has database connections:
more would only wait for a connection, fewer would leave connections idle.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from typing import TypeVar

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

__all__ = ["STATE_KEY", "CommandThreads", "CommandThreadsMiddleware", "in_command_thread"]

T = TypeVar("T")
STATE_KEY = "command_threads"


class CommandThreads:
    """Started with the first command, so an app shut down and started again (tests
    do) gets threads again."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None

    async def run(self, work: Callable[[], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=self.workers,
                                                thread_name_prefix="cis-command")
        # The context goes along, as with asyncio.to_thread: the command's claim is in it.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(self._executor, context.run,
                                                                work)

    def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


_current: ContextVar[CommandThreads | None] = ContextVar("command_threads", default=None)


async def in_command_thread(work: Callable[[], T]) -> T:
    """`work` in the app's command threads (asyncio's default pool outside a request)."""
    threads = _current.get()
    if threads is None:
        return await asyncio.to_thread(work)
    return await threads.run(work)


class CommandThreadsMiddleware:
    """Makes the app's `CommandThreads` (state under STATE_KEY) the request's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            _current.set(scope["litestar_app"].state[STATE_KEY])
        await self.app(scope, receive, send)
