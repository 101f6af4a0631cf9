"""The event loop choice: the standard loop by default, uvloop on request, a clear error for
anything else; and the suite itself runs on the chosen loop."""

from __future__ import annotations

import asyncio
import os

import pytest

from gateway.eventloop import loop_factory, run


def test_loops_by_name() -> None:
    uv = loop_factory("uvloop")()
    std = loop_factory("asyncio")()
    try:
        assert type(uv).__module__.startswith("uvloop")
        assert isinstance(std, asyncio.BaseEventLoop)
    finally:
        uv.close()
        std.close()
    with pytest.raises(ValueError, match="unknown event loop 'trio'"):
        loop_factory("trio")


def test_run_uses_the_named_loop() -> None:
    async def which() -> str:
        return type(asyncio.get_running_loop()).__module__

    assert run(which(), "uvloop").startswith("uvloop")
    assert run(which(), "asyncio").startswith("asyncio")
    assert run(which()).startswith("asyncio")


async def test_the_suite_runs_on_the_configured_loop() -> None:
    module = type(asyncio.get_running_loop()).__module__
    assert module.startswith(os.environ.get("JUNCTION_LOOP", "asyncio"))
