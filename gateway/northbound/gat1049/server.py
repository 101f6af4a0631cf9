"""The GA/T 1049.1/1049.2 TCP server: signal controllers as crossings for command platforms.

Why: an integrated command platform logs in, subscribes and gets pushes of crossing state,
control mode and plan, cycle, stage and lamp status, and sets plans, for every controller the
gateway knows, whatever protocol it speaks underneath. The server owns one Feed (events ->
pushes) and one task per session; closing cancels them all.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from lxml import etree

from gateway.northbound.config import Gat1049Config
from gateway.northbound.gat1049.codec import build_message
from gateway.northbound.gat1049.context import PROTOCOL, Context
from gateway.northbound.gat1049.framing import reader_limit
from gateway.northbound.gat1049.ids import CrossDirectory
from gateway.northbound.gat1049.objects import sdo_error
from gateway.northbound.gat1049.session import Session
from gateway.northbound.gat1049.tracker import Feed
from gateway.northbound.metrics import NorthboundMetrics
from gateway.service import Gateway

__all__ = ["Gat1049Server"]

log = logging.getLogger(__name__)


class Gat1049Server:
    __slots__ = ("_ctx", "_server", "_feed_task", "_sessions", "_tasks")

    def __init__(self, gateway: Gateway, config: Gat1049Config,
                 metrics: NorthboundMetrics) -> None:
        """Raises ValueError if two devices share a CrossID or SignalControlerID."""
        directory = CrossDirectory((rt.config for rt in gateway.registry),
                                   cross_tag=config.cross_id_tag,
                                   controller_tag=config.controller_id_tag)
        feed = Feed(gateway, directory, self._publish)
        self._ctx = Context(gateway, config, metrics, directory, feed)
        self._server: asyncio.Server | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self._sessions: set[Session] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> tuple[str, int]:
        """Listen; returns the bound (host, port). Raises OSError."""
        if self._server is not None:
            raise RuntimeError("Gat1049Server.start() called twice; call close() first")
        config = self._ctx.config
        self._server = await asyncio.start_server(
            self._accept, config.host, config.port,
            limit=reader_limit(config.max_frame_chars))
        self._feed_task = asyncio.create_task(self._ctx.feed.run(), name="gat1049-feed")
        host, port = self._server.sockets[0].getsockname()[:2]
        log.info("event=gat1049_server_started address=%s:%s crossings=%d", host, port,
                 len(self._ctx.directory.devices()))
        return str(host), int(port)

    async def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for session in list(self._sessions):
            session.abort("server_closing")
        if self._tasks:  # sessions end by themselves once their connection is gone
            _, stuck = await asyncio.wait(list(self._tasks), timeout=3.0)
            for task in stuck:
                task.cancel()
        feed, self._feed_task = self._feed_task, None
        if feed is not None:
            feed.cancel()
            with suppress(asyncio.CancelledError):
                await feed
        if server is not None:
            await server.wait_closed()

    def _publish(self, name: str, element: etree._Element) -> None:
        for session in list(self._sessions):
            session.push(name, element)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if len(self._sessions) >= self._ctx.config.max_sessions or self._server is None:
            self._ctx.metrics.error(PROTOCOL, "too_many_sessions")
            writer.write(build_message(type="ERROR", seq=self._ctx.seq(), token="", operations=[
                (1, "Other", [sdo_error("Message", "SDE_NotAllow", "too many sessions")])]))
            with suppress(ConnectionError):
                await writer.drain()
            writer.close()
            return
        session = Session(self._ctx, reader, writer)
        self._sessions.add(session)
        self._tasks.add(task)
        try:
            await session.run()
        except Exception:  # never let one session's bug reach the server
            log.exception("event=gat1049_session_failed peer=%s", session.peer)
        finally:
            self._sessions.discard(session)
            self._tasks.discard(task)
