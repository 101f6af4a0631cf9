"""Device-side authentication: HTTP Digest (RFC 2617/7616, MD5, qop=auth) and the WS-Security
UsernameToken PasswordDigest that legacy ONVIF devices check (reference cameras.md §1.4).

The UsernameToken check is as strict as the field's strictest cameras: nonce and Created are
both required, a Created outside the tolerance of the camera's own clock is refused, and a
nonce is accepted once. That is what breaks clients that ignore clock skew.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections import OrderedDict

from lxml import etree

from simulators.onvif.soap import parse_datetime, q

__all__ = ["DigestRealm", "NonceCache", "check_username_token", "PASSWORD_DIGEST", "PASSWORD_TEXT"]

PASSWORD_DIGEST = ("http://docs.oasis-open.org/wss/2004/01/"
                   "oasis-200401-wss-username-token-profile-1.0#PasswordDigest")
PASSWORD_TEXT = ("http://docs.oasis-open.org/wss/2004/01/"
                 "oasis-200401-wss-username-token-profile-1.0#PasswordText")
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]+))')


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


class DigestRealm:
    """Issues nonces and checks Authorization: Digest headers against one user."""

    __slots__ = ("realm", "_nonces")

    MAX_NONCES = 256

    def __init__(self, realm: str) -> None:
        self.realm = realm
        self._nonces: OrderedDict[str, int] = OrderedDict()

    def challenge(self) -> str:
        nonce = secrets.token_hex(16)
        self._nonces[nonce] = 0
        while len(self._nonces) > self.MAX_NONCES:
            self._nonces.popitem(last=False)
        return f'Digest realm="{self.realm}", qop="auth", nonce="{nonce}", algorithm=MD5'

    def verify(self, header: str | None, method: str, path: str, username: str,
               password: str) -> bool:
        if not header or not header.lower().startswith("digest "):
            return False
        params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _PARAM.finditer(header[7:])}
        nonce, uri = params.get("nonce", ""), params.get("uri", "")
        if nonce not in self._nonces or params.get("username") != username or \
                params.get("realm") != self.realm or uri != path:
            return False
        ha1 = _md5(f"{username}:{self.realm}:{password}")
        ha2 = _md5(f"{method}:{uri}")
        if params.get("qop") == "auth":
            try:
                count = int(params.get("nc", ""), 16)
            except ValueError:
                return False
            if count <= self._nonces[nonce]:  # a replayed nonce count
                return False
            expected = _md5(f"{ha1}:{nonce}:{params['nc']}:{params.get('cnonce', '')}:auth:{ha2}")
        else:
            count = self._nonces[nonce] + 1
            expected = _md5(f"{ha1}:{nonce}:{ha2}")
        if not hmac.compare_digest(expected, params.get("response", "")):
            return False
        self._nonces[nonce] = count
        return True


class NonceCache:
    """UsernameToken nonces seen lately: each is accepted once (replay protection)."""

    __slots__ = ("_seen",)

    def __init__(self) -> None:
        self._seen: OrderedDict[bytes, None] = OrderedDict()

    def add(self, nonce: bytes) -> bool:
        if nonce in self._seen:
            return False
        self._seen[nonce] = None
        while len(self._seen) > 1024:
            self._seen.popitem(last=False)
        return True


def check_username_token(header: etree._Element | None, username: str, password: str,
                         device_now: float, tolerance_s: float, seen: NonceCache) -> str | None:
    """None if the header carries a valid UsernameToken, else why not (for the fault text)."""
    token = None if header is None else header.find(f"{q('wsse:Security')}/"
                                                   f"{q('wsse:UsernameToken')}")
    if token is None:
        return "no WS-Security UsernameToken"
    if token.findtext(q("wsse:Username")) != username:
        return "unknown user"
    pw = token.find(q("wsse:Password"))
    nonce_text = token.findtext(q("wsse:Nonce"))
    created = token.findtext(q("wsu:Created")) or token.findtext(q("wsse:Created"))
    if pw is None or not nonce_text or not created:
        return "UsernameToken needs Password, Nonce and Created"
    when = parse_datetime(created)
    if when is None:
        return f"Created {created!r} is not an xs:dateTime"
    if abs(when - device_now) > tolerance_s:
        return (f"Created {created} is {when - device_now:+.1f} s from the device clock "
                f"(tolerance {tolerance_s:g} s)")
    try:
        nonce = base64.b64decode(nonce_text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return "Nonce is not base64"
    given = (pw.text or "").strip()
    if pw.get("Type", PASSWORD_TEXT) == PASSWORD_DIGEST:
        expected = base64.b64encode(hashlib.sha1(
            nonce + created.encode() + password.encode()).digest()).decode()
    else:
        expected = password
    if not hmac.compare_digest(expected.encode(), given.encode()):
        return "wrong password"
    if not seen.add(nonce):
        return "nonce already used"
    return None
