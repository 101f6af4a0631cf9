"""The suite runs on the event loop production runs on: uvloop, the CLI's default
(gateway/eventloop.py). JUNCTION_LOOP=asyncio runs it on the standard loop instead."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping

import pytest

from gateway.eventloop import loop_factory


def pytest_asyncio_loop_factories(
        config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[],
                                                                           asyncio.AbstractEventLoop]]:
    name = os.environ.get("JUNCTION_LOOP", "uvloop")
    return {name: loop_factory(name)}
