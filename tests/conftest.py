"""The suite runs on the standard asyncio loop, the gateway's default (gateway/eventloop.py);
JUNCTION_LOOP=uvloop runs it on uvloop, which `junction --loop uvloop` offers."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping

import pytest

from gateway.eventloop import loop_factory

LoopFactory = Callable[[], asyncio.AbstractEventLoop]


def pytest_asyncio_loop_factories(config: pytest.Config,
                                  item: pytest.Item) -> Mapping[str, LoopFactory]:
    name = os.environ.get("JUNCTION_LOOP", "asyncio")
    return {name: loop_factory(name)}
