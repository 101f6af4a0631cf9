"""Which event loop the gateway runs on: the standard asyncio loop, or uvloop on request.

Measured at 5,000 NTCIP controllers polled at 1 Hz with 2,000 REST reads/s (bench/README.md):
uvloop (libuv, in C) takes ~14% less CPU per poll (0.117 against 0.136 s per 1,000) and keeps
the poll schedule when the REST API is overloaded, but it reads every queued datagram at once,
so poll answers arrive in bursts and REST latency has a long tail (p99 18 ms, against 3.0-3.2 ms
on the standard loop, which reads one datagram per socket per turn and so interleaves API
requests with polls). The standard loop is the default; `junction --loop uvloop` suits a
gateway that polls much and is queried little.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = ["LOOPS", "loop_factory", "run"]

T = TypeVar("T")
LOOPS = ("asyncio", "uvloop")


def loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "asyncio":
        return asyncio.new_event_loop
    if name != "uvloop":
        raise ValueError(f"unknown event loop {name!r}; choose one of {', '.join(LOOPS)}")
    try:
        import uvloop
    except ImportError:
        raise RuntimeError("uvloop is not installed: pip install 'junction[uvloop]', or run "
                           "with --loop asyncio") from None
    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def run(main: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """asyncio.run on the named loop."""
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        return runner.run(main)
