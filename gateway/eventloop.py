"""Which event loop the gateway runs on: uvloop (libuv, in C) unless told otherwise.

Why: a gateway polling thousands of controllers a second spends a large share of its CPU in
the loop itself (timers, datagram and TCP transports, callbacks). uvloop does that work in C:
measured at 5,000 NTCIP controllers, ~9% less gateway CPU per poll and ~8% less with 2,000 REST
reads/s on top (bench/README.md). The standard loop stays one flag away (`--loop asyncio`) for
debugging and for platforms without uvloop; the test suite runs on it, the CLI tests on uvloop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["LOOPS", "loop_factory", "run"]

T = TypeVar("T")
LOOPS = ("uvloop", "asyncio")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "asyncio":
        return asyncio.new_event_loop
    if name != "uvloop":
        raise ValueError(f"unknown event loop {name!r}; choose one of {', '.join(LOOPS)}")
    try:
        import uvloop
    except ImportError:
        raise RuntimeError("uvloop is not installed on this platform; run with "
                           "--loop asyncio") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], loop: str = "uvloop") -> T:
    """asyncio.run on the named loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)
