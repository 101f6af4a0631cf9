"""gateway.sdk.http against the ISAPI simulator: digest (stale nonces, Basic fallback), error
mapping, progress levels, and the server half of digest on its own."""

from __future__ import annotations

import asyncio
import hashlib
import socket

import pytest

from gateway.sdk import AuthFailed, DecodeError, DeviceRefused
from gateway.sdk.http import DigestVerifier, HttpDevice, Verdict, parse_auth_params
from simulators.hikvision import IsapiQuirks
from tests.adapters.hikvision.hik_harness import PASSWORD, camera


def client(port: int, password: str | None = PASSWORD, **kw: object) -> HttpDevice:
    return HttpDevice(f"http://127.0.0.1:{port}", "admin" if password else None, password,
                      timeout_s=2.0, **kw)  # type: ignore[arg-type]


async def test_digest_survives_expired_nonces() -> None:
    async with camera() as sim:
        sim._digest.nonce_ttl_s = 0.2
        http = client(sim.port)
        try:
            for _ in range(3):
                reply = await http.request("GET", "/ISAPI/System/deviceInfo")
                assert reply.status == 200
                await asyncio.sleep(0.3)  # the preemptive nonce is stale now: 401 stale=true
            assert http.progress.challenged and http.progress.authenticated
            assert sim.requests == 6  # each GET answered a (first or stale) challenge
        finally:
            await http.close()


async def test_auto_falls_back_to_basic_and_digest_only_refuses_it() -> None:
    async with camera(quirks=IsapiQuirks(auth="basic")) as sim:
        auto, digest = client(sim.port), client(sim.port, auth="digest")
        try:
            assert (await auto.request("GET", "/ISAPI/System/deviceInfo")).status == 200
            with pytest.raises(AuthFailed):
                await digest.request("GET", "/ISAPI/System/deviceInfo")
        finally:
            await auto.close()
            await digest.close()


async def test_errors_and_progress() -> None:
    async with camera() as sim:
        anonymous, http = client(sim.port, None), client(sim.port)
        try:
            with pytest.raises(AuthFailed, match="none are configured"):
                await anonymous.request("GET", "/ISAPI/System/status")
            assert anonymous.progress.answered and not anonymous.progress.authenticated
            with pytest.raises(DecodeError, match="limit"):
                await http.request("GET", "/ISAPI/Streaming/channels/101/picture", max_bytes=10)
        finally:
            await anonymous.close()
            await http.close()
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    http = client(port)
    try:
        with pytest.raises(DeviceRefused):
            await http.request("GET", "/")
        assert not http.progress.connected
    finally:
        await http.close()


def test_digest_verifier_on_its_own() -> None:
    now = [0.0]
    verifier = DigestVerifier("realm", {"admin": "pw"}, nonce_ttl_s=10, clock=lambda: now[0])
    challenge = parse_auth_params(verifier.challenge().partition(" ")[2])

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    def answer(password: str, uri: str = "/x?a=1") -> str:
        ha1, ha2 = h(f"admin:realm:{password}"), h(f"GET:{uri}")
        response = h(f"{ha1}:{challenge['nonce']}:00000001:abc:auth:{ha2}")
        return (f'Digest username="admin", realm="realm", nonce="{challenge["nonce"]}", '
                f'uri="{uri}", qop=auth, nc=00000001, cnonce="abc", response="{response}"')

    assert verifier.verify("GET", "/x?a=1", answer("pw")) == (Verdict.OK, "admin")
    assert verifier.verify("GET", "/x?a=1", answer("nope"))[0] == Verdict.BAD
    assert verifier.verify("GET", "/other", answer("pw"))[0] == Verdict.BAD  # uri must match
    assert verifier.verify("GET", "/x?a=1", "Basic YWRtaW46cHc=")[0] == Verdict.BAD
    now[0] = 11.0
    assert verifier.verify("GET", "/x?a=1", answer("pw"))[0] == Verdict.STALE
    assert "stale=true" in verifier.challenge(stale=True)
