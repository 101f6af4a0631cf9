"""Bearer-token auth: reads may be anonymous (demo), commands need an operator token.

Tokens are compared in constant time; a token's *name* (not the token) goes to the audit log.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from aiohttp import web

from gateway.config import AuthConfig
from gateway.sdk.errors import JunctionError

__all__ = ["Principal", "Unauthorized", "Forbidden", "Authenticator"]


@dataclass(slots=True, frozen=True)
class Principal:
    name: str
    role: str  # operator | viewer | anonymous


class Unauthorized(JunctionError):
    reason = "unauthorized"
    http_status = 401


class Forbidden(JunctionError):
    reason = "forbidden"
    http_status = 403


class Authenticator:
    __slots__ = ("_tokens", "_anonymous_read")

    def __init__(self, config: AuthConfig) -> None:
        self._anonymous_read = config.anonymous_read
        self._tokens = [(t.token.get_secret_value().encode(), Principal(t.name, t.role))
                        for t in config.tokens if t.token is not None]

    def identify(self, request: web.Request) -> Principal | None:
        """The caller, or None if no token was sent. Raises Unauthorized for a bad token."""
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("use 'Authorization: Bearer <token>'")
        given = token.strip().encode()
        found = None
        for secret, principal in self._tokens:
            if hmac.compare_digest(secret, given):
                found = principal
        if found is None:
            raise Unauthorized("unknown or invalid token")
        return found

    def require_read(self, request: web.Request) -> Principal:
        principal = self.identify(request)
        if principal is not None:
            return principal
        if self._anonymous_read:
            return Principal("anonymous", "anonymous")
        raise Unauthorized("this gateway needs a token for reads")

    def require_operator(self, request: web.Request) -> Principal:
        principal = self.identify(request)
        if principal is None:
            raise Unauthorized("commands need an operator token")
        if principal.role != "operator":
            raise Forbidden(f"token {principal.name!r} may not send commands")
        return principal
