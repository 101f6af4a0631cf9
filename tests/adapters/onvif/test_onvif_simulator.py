"""The simulated camera's own defences and auth behaviour, checked with plain HTTP clients:
XML bombs and external entities are a 400 and nothing more; credentials are refused the way
Core §Security describes; HTTP Digest works with aiohttp's independent implementation."""

from __future__ import annotations

import base64
import hashlib
import os
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from simulators.onvif.camera import XML_BOMB
from tests.adapters.onvif.sims import PASSWORD, USER, camera

ENV = "http://www.w3.org/2003/05/soap-envelope"
TDS = "http://www.onvif.org/ver10/device/wsdl"


def _envelope(operation: str, header: str = "") -> bytes:
    return (f'<e:Envelope xmlns:e="{ENV}" xmlns:tds="{TDS}"><e:Header>{header}</e:Header>'
            f"<e:Body><tds:{operation}/></e:Body></e:Envelope>").encode()


def _token(created: datetime, password: str = PASSWORD, nonce: bytes | None = None) -> str:
    nonce = nonce or os.urandom(16)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    digest = base64.b64encode(hashlib.sha1(nonce + stamp.encode() + password.encode())
                              .digest()).decode()
    ns = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-"
    return (f'<wsse:Security xmlns:wsse="{ns}wssecurity-secext-1.0.xsd" '
            f'xmlns:wsu="{ns}wssecurity-utility-1.0.xsd"><wsse:UsernameToken>'
            f"<wsse:Username>{USER}</wsse:Username>"
            f'<wsse:Password Type="{ns}username-token-profile-1.0#PasswordDigest">{digest}'
            f"</wsse:Password><wsse:Nonce>{base64.b64encode(nonce).decode()}</wsse:Nonce>"
            f"<wsu:Created>{stamp}</wsu:Created></wsse:UsernameToken></wsse:Security>")


async def _post(port: int, body: bytes, **kw: object) -> tuple[int, str, dict[str, str]]:
    async with aiohttp.ClientSession() as http, http.post(
            f"http://127.0.0.1:{port}/onvif/device_service", data=body,
            headers={"Content-Type": "application/soap+xml"}, **kw) as resp:  # type: ignore[arg-type]
        return resp.status, await resp.text(), dict(resp.headers)


@pytest.mark.parametrize("payload", [
    XML_BOMB,
    b'<?xml version="1.0"?><!DOCTYPE e [<!ENTITY x SYSTEM "file:///etc/passwd">]><e>&x;</e>',
    b"<not-xml",
])
async def test_hostile_requests_are_a_plain_400(payload: bytes) -> None:
    async with camera() as cam:
        status, text, _ = await _post(cam.port, payload)
        assert status == 400 and "root:" not in text
        assert (await _post(cam.port, _envelope("GetSystemDateAndTime")))[0] == 200


async def test_credentials_are_refused_as_the_core_spec_says() -> None:
    async with camera(auth="both", html_401=True) as cam:
        status, text, headers = await _post(cam.port, _envelope("GetDeviceInformation"))
        assert status == 401 and headers["WWW-Authenticate"].startswith("Digest ")
        assert text.startswith("<html>")
    async with camera(auth="wsse") as cam:
        status, text, _ = await _post(cam.port, _envelope("GetDeviceInformation"))
        assert status == 400 and "NotAuthorized" in text


async def test_username_token_window_and_replay() -> None:
    async with camera(auth="wsse") as cam:
        cam.set_clock_offset(7.0)
        device_now = datetime.now(UTC) + timedelta(seconds=7)
        status, _, _ = await _post(cam.port, _envelope("GetDeviceInformation",
                                                       _token(datetime.now(UTC))))
        assert status == 400  # our clock is 7 s behind the camera's: outside +-5 s
        nonce = os.urandom(16)
        ok = _envelope("GetDeviceInformation", _token(device_now, nonce=nonce))
        assert (await _post(cam.port, ok))[0] == 200
        assert (await _post(cam.port, ok))[0] == 400  # the same nonce again
        wrong = _envelope("GetDeviceInformation", _token(device_now, password="nope"))
        assert (await _post(cam.port, wrong))[0] == 400


async def test_digest_with_aiohttp_middleware_and_snapshot() -> None:
    async with camera(auth="digest") as cam:
        digest = aiohttp.DigestAuthMiddleware(USER, PASSWORD)
        status, text, _ = await _post(cam.port, _envelope("GetDeviceInformation"),
                                      middlewares=(digest,))
        assert status == 200 and "SimCam-PTZ" in text
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{cam.port}/onvif/snapshot?token=main"
            async with http.get(url) as resp:
                assert resp.status == 401
            async with http.get(url, middlewares=(aiohttp.DigestAuthMiddleware(
                    USER, PASSWORD),)) as resp:
                assert resp.status == 200 and resp.content_type == "image/jpeg"
                assert (await resp.read()).startswith(b"\xff\xd8")
