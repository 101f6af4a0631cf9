"""Fault switches shared by the enforcement camera faces (hooks on the face, never the engine)."""

from __future__ import annotations

import asyncio

__all__ = ["Faults"]


class Faults:
    """`silent`: accept requests, answer nothing, streams stop writing (a hung device);
    `malformed`: identity/status answers that do not decode."""

    __slots__ = ("_speaking", "malformed")

    def __init__(self) -> None:
        self._speaking = asyncio.Event()
        self._speaking.set()
        self.malformed = False

    @property
    def silent(self) -> bool:
        return not self._speaking.is_set()

    @silent.setter
    def silent(self, on: bool) -> None:
        if on:
            self._speaking.clear()
        else:
            self._speaking.set()

    async def hold(self) -> None:
        """Wait while the device is silent."""
        await self._speaking.wait()
