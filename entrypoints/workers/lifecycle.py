"""Graceful stop for async workers: SIGTERM/SIGINT set an event the loops watch."""

from __future__ import annotations

import asyncio
import signal

__all__ = ["until_signalled"]


def until_signalled() -> asyncio.Event:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    return stopping
