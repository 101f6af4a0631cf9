"""GA/T 1049 TCP framing: one XML message per frame, each frame ended by `\\r\\n`.

Why this framing: it is what the reference implementation does (reference §4.1 [I: an
implementation choice, not the standard text]; no length prefix is used). Our own frames never
contain `\\r\\n` inside (the XML is written on one line and text is cleaned), so a client may
split on it. A frame over `max_chars` characters (100,000 by default, the 1049.1 packet limit
[I]) is skipped up to its terminator and reported, so one bad frame does not end the session;
memory per session stays bounded by the reader's byte limit.
"""

from __future__ import annotations

import asyncio

__all__ = ["TERMINATOR", "FrameTooLarge", "FrameReader", "reader_limit"]

TERMINATOR = b"\r\n"


class FrameTooLarge(Exception):
    """A frame longer than the limit was received and discarded."""


def reader_limit(max_chars: int) -> int:
    """The StreamReader byte limit that holds any frame of `max_chars` UTF-8 characters."""
    return max_chars * 4 + len(TERMINATOR)


class FrameReader:
    __slots__ = ("_reader", "_max_chars")

    def __init__(self, reader: asyncio.StreamReader, max_chars: int) -> None:
        self._reader = reader
        self._max_chars = max_chars

    async def read(self) -> bytes | None:
        """The next frame without its terminator, or None at end of stream (a partial frame
        at the end is dropped). Raises FrameTooLarge after discarding an oversized frame."""
        try:
            data = await self._reader.readuntil(TERMINATOR)
        except asyncio.IncompleteReadError:
            return None
        except asyncio.LimitOverrunError as err:
            try:
                await self._discard(err.consumed)
            except asyncio.IncompleteReadError:
                pass  # the stream ended inside the frame: the next read sees the end
            raise FrameTooLarge from None
        frame = data[:-len(TERMINATOR)]
        if len(frame) > self._max_chars and \
                len(frame.decode("utf-8", "replace")) > self._max_chars:
            raise FrameTooLarge
        return frame

    async def _discard(self, consumed: int) -> None:
        """Drop the oversized frame's bytes up to and including its terminator."""
        while True:
            if consumed:
                await self._reader.readexactly(consumed)
            try:
                await self._reader.readuntil(TERMINATOR)
                return
            except asyncio.LimitOverrunError as err:
                consumed = err.consumed
