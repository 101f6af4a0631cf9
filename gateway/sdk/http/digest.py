"""The server half of HTTP Digest (RFC 7616, MD5 / SHA-256, qop=auth) and Basic checks.

The client half is aiohttp's `DigestAuthMiddleware`. This half issues challenges and checks
answers: the camera simulators (ISAPI and Dahua faces) use it so that real clients (pyHik,
python-amcrest, curl --digest) must do real digest against them, and a gateway-side receiver
of device pushes (Hikvision "HTTP host" notifications) can use it too. Nonces expire after
`nonce_ttl_s`; an expired one is answered `stale=true`, as the RFC asks, so clients retry
without treating it as a wrong password.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from enum import StrEnum

__all__ = ["Verdict", "DigestVerifier", "check_basic", "parse_auth_params"]

_PAIR = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')
_HASHES: dict[str, Callable[[bytes], str]] = {
    "MD5": lambda b: hashlib.md5(b).hexdigest(),
    "SHA-256": lambda b: hashlib.sha256(b).hexdigest(),
}


class Verdict(StrEnum):
    OK = "ok"
    STALE = "stale"  # right password, expired nonce: challenge again with stale=true
    BAD = "bad"  # missing, malformed or wrong


def parse_auth_params(value: str) -> dict[str, str]:
    """`key=value, key="quoted"` pairs of an Authorization / WWW-Authenticate value."""
    return {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3))
            .replace('\\"', '"') for m in _PAIR.finditer(value)}


def check_basic(header: str, users: Mapping[str, str]) -> str | None:
    """The user name if `header` is a valid Basic Authorization for `users`, else None."""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(token.strip(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    expected = users.get(user)
    if not sep or expected is None or not hmac.compare_digest(password, expected):
        return None
    return user


class DigestVerifier:
    """Issues digest challenges and verifies answers for a fixed set of users."""

    __slots__ = ("realm", "users", "algorithm", "nonce_ttl_s", "_nonces", "_opaque", "_clock")

    MAX_NONCES = 1024

    def __init__(self, realm: str, users: Mapping[str, str], *, algorithm: str = "MD5",
                 nonce_ttl_s: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        if algorithm not in _HASHES:
            raise ValueError(f"algorithm must be one of {sorted(_HASHES)}")
        self.realm = realm
        self.users = users
        self.algorithm = algorithm
        self.nonce_ttl_s = nonce_ttl_s
        self._nonces: OrderedDict[str, float] = OrderedDict()
        self._opaque = secrets.token_hex(8)
        self._clock = clock

    def challenge(self, *, stale: bool = False) -> str:
        """A fresh WWW-Authenticate header value."""
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = self._clock()
        while len(self._nonces) > self.MAX_NONCES:
            self._nonces.popitem(last=False)
        value = (f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", '
                 f'opaque="{self._opaque}", algorithm={self.algorithm}')
        return value + (", stale=true" if stale else "")

    def verify(self, method: str, raw_uri: str, header: str) -> tuple[Verdict, str | None]:
        """Check an Authorization header for a request of `method` to `raw_uri` (path and
        query exactly as sent). Returns the verdict and the user name when known."""
        scheme, _, rest = header.partition(" ")
        if scheme.lower() != "digest":
            return Verdict.BAD, None
        p = parse_auth_params(rest)
        user = p.get("username")
        password = self.users.get(user or "")
        if user is None or password is None or p.get("realm") != self.realm:
            return Verdict.BAD, user
        if p.get("uri") != raw_uri:
            return Verdict.BAD, user
        algorithm = p.get("algorithm", "MD5").upper()
        h = _HASHES.get(algorithm)
        if h is None or "response" not in p or "nonce" not in p:
            return Verdict.BAD, user
        ha1 = h(f"{user}:{self.realm}:{password}".encode())
        ha2 = h(f"{method.upper()}:{p['uri']}".encode())
        if p.get("qop"):
            if p["qop"] != "auth" or "nc" not in p or "cnonce" not in p:
                return Verdict.BAD, user
            expected = h(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:auth:{ha2}".encode())
        else:
            expected = h(f"{ha1}:{p['nonce']}:{ha2}".encode())
        if not hmac.compare_digest(expected, p["response"].lower()):
            return Verdict.BAD, user
        issued = self._nonces.get(p["nonce"])
        if issued is None or self._clock() - issued > self.nonce_ttl_s:
            self._nonces.pop(p["nonce"], None)
            return Verdict.STALE, user
        return Verdict.OK, user
