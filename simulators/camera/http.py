"""The HTTP plumbing the ISAPI and CGI camera faces share: serving an aiohttp app on a bound
socket (port 0 picks a free one), and checking a request's credentials the way the camera's
firmware would (digest, Basic, or both, per its `auth` quirk)."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Literal

from aiohttp import web

from gateway.sdk.http import DigestVerifier, Verdict, check_basic

__all__ = ["serve", "authorize"]


async def serve(app: web.Application, host: str, port: int
                ) -> tuple[web.AppRunner, tuple[str, int]]:
    """`app` listening on (host, port); the runner (to clean up) and the bound address."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    await web.SockSite(runner, sock).start()
    bound_host, bound_port = sock.getsockname()[:2]
    return runner, (str(bound_host), int(bound_port))


def authorize(request: web.Request, mode: Literal["digest", "basic", "both"],
              users: Mapping[str, str], digest: DigestVerifier) -> Verdict:
    """OK, STALE (digest nonce expired) or BAD for the request's Authorization header."""
    header = request.headers.get("Authorization", "")
    scheme = header.partition(" ")[0].lower()
    if scheme == "basic" and mode in ("basic", "both"):
        return Verdict.OK if check_basic(header, users) else Verdict.BAD
    if scheme == "digest" and mode in ("digest", "both"):
        return digest.verify(request.method, request.raw_path, header)[0]
    return Verdict.BAD
