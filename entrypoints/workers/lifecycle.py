"""Graceful stop for async workers: SIGTERM/SIGINT set an event the loops watch, and
start the watchdog that ends the process if it has not stopped within the bound
(`adapters.shutdown.STOP_SECONDS`)."""

from __future__ import annotations

import asyncio

from adapters.shutdown import STOP_SIGNALS, start_watchdog

__all__ = ["until_signalled"]


def until_signalled() -> asyncio.Event:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        start_watchdog()
        stopping.set()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stop)
    return stopping
