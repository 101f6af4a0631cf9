"""SnmpClient against real SnmpAgent instances on 127.0.0.1 (real sockets, no mocks)."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator

import pytest

from gateway.sdk.errors import DecodeError, DeviceTimeout, ProtocolError
from gateway.sdk.snmp import (
    ErrorStatus,
    Message,
    PduType,
    SnmpClient,
    SnmpClientClosed,
    SnmpDecodeError,
    SnmpErrorStatus,
    SnmpTimeout,
    Tag,
    VarBind,
    decode_message,
    encode_message,
    raise_for_status,
)
from simulators.snmp.agent import AgentFaults, DictMibView, SnmpAgent

LOCAL = "127.0.0.1"
DESCR = (1, 3, 6, 1, 2, 1, 1, 1, 0)
UPTIME = (1, 3, 6, 1, 2, 1, 1, 3, 0)
TABLE = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 4)  # phaseStatusGroupGreens.1..8
RW = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 5, 1, 2, 1)


def make_view() -> DictMibView:
    values: dict[tuple[int, ...], tuple[int, int | bytes | tuple[int, ...] | None]] = {
        DESCR: (Tag.OCTET_STRING, b"ASC"),
        UPTIME: (Tag.TIMETICKS, 4242),
        RW: (Tag.INTEGER, 0),
    }
    values.update({TABLE + (i,): (Tag.INTEGER, i * 10) for i in range(1, 9)})
    return DictMibView(values, writable=[RW])


async def start_agent(faults: AgentFaults | None = None, **kw: object) -> tuple[SnmpAgent, int]:
    agent = SnmpAgent(make_view(), faults=faults, **kw)  # type: ignore[arg-type]
    _, port = await agent.start()
    return agent, port


@pytest.fixture
async def agent() -> AsyncIterator[tuple[SnmpAgent, int]]:
    a, port = await start_agent()
    yield a, port
    await a.close()


@pytest.fixture
async def client() -> AsyncIterator[SnmpClient]:
    c = SnmpClient()
    await c.start()
    yield c
    await c.close()
    assert c.pending_count == 0


async def test_get_get_next_set_walk(agent: tuple[SnmpAgent, int], client: SnmpClient) -> None:
    a, port = agent
    for version in (0, 1):
        resp = await client.get(LOCAL, port, b"public", [DESCR, UPTIME], version=version)
        assert resp.version == version and resp.pdu_type == PduType.RESPONSE
        assert resp.varbinds == (VarBind(DESCR, Tag.OCTET_STRING, b"ASC"),
                                 VarBind(UPTIME, Tag.TIMETICKS, 4242))
        resp = await client.get_next(LOCAL, port, b"public", [TABLE, TABLE + (8,)],
                                     version=version)
        assert resp.varbinds[0] == VarBind(TABLE + (1,), Tag.INTEGER, 10)
        assert resp.varbinds[1].oid == RW
    resp = await client.set(LOCAL, port, b"private", [VarBind(RW, Tag.INTEGER, 3)], version=0)
    assert raise_for_status(resp).varbinds == (VarBind(RW, Tag.INTEGER, 3),)
    assert a.view.get(RW) == (Tag.INTEGER, 3)
    expected = [VarBind(TABLE + (i,), Tag.INTEGER, i * 10) for i in range(1, 9)]
    assert await client.walk(LOCAL, port, b"public", TABLE, version=0) == expected
    assert await client.walk(LOCAL, port, b"public", TABLE, version=1) == expected
    before = a.stats["requests"]
    assert await client.walk(LOCAL, port, b"public", TABLE, version=1,
                             max_repetitions=5) == expected
    assert a.stats["requests"] - before == 2  # bulk: 5 + 3 rows
    assert await client.walk(LOCAL, port, b"public", TABLE, max_rows=3) == expected[:3]
    assert await client.walk(LOCAL, port, b"public", (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 5),
                             version=0) == [VarBind(RW, Tag.INTEGER, 3)]  # v1 end of MIB
    assert client.stats["sent"] == client.stats["received"]


async def test_v1_no_such_name_and_v2c_exceptions(agent: tuple[SnmpAgent, int],
                                                  client: SnmpClient) -> None:
    _, port = agent
    missing = (1, 3, 6, 1, 2, 1, 99, 0)
    resp = await client.get(LOCAL, port, b"public", [DESCR, missing], version=0)
    assert (resp.error_status, resp.error_index) == (ErrorStatus.NO_SUCH_NAME, 2)
    with pytest.raises(SnmpErrorStatus) as info:
        raise_for_status(resp)
    assert (info.value.status, info.value.index, info.value.oid) == (2, 2, missing)
    assert isinstance(info.value, ProtocolError) and info.value.reason == "protocol_error"
    assert "no_such_name" in str(info.value)
    resp = await client.get(LOCAL, port, b"public", [missing, UPTIME[:-1] + (7,), DESCR])
    assert resp.error_status == 0
    assert [vb.tag for vb in resp.varbinds] == [Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE,
                                                Tag.OCTET_STRING]


async def test_wrong_community_and_silent_agent_time_out(agent: tuple[SnmpAgent, int],
                                                         client: SnmpClient) -> None:
    a, port = agent
    t0 = time.monotonic()
    with pytest.raises(SnmpTimeout) as info:
        await client.get(LOCAL, port, b"secret", [DESCR], timeout_s=0.3)
    assert 0.29 <= time.monotonic() - t0 < 0.6
    assert isinstance(info.value, DeviceTimeout) and info.value.reason == "timeout"
    assert a.stats["bad_community"] == 1
    a.faults.silent = True
    t0 = time.monotonic()
    with pytest.raises(SnmpTimeout):
        await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.2)
    assert time.monotonic() - t0 < 0.5
    assert client.stats["timeouts"] == 2 and client.pending_count == 0


async def test_malformed_response_is_reported_as_decode_error(client: SnmpClient) -> None:
    a, port = await start_agent(AgentFaults(malformed=True))
    b, other = await start_agent()
    try:
        with pytest.raises(SnmpDecodeError) as info:
            await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.3)
        assert isinstance(info.value, DecodeError) and info.value.reason == "decode_error"
        assert client.stats["decode_errors"] == 1
        # Another device's timeout is not blamed on the garbage from this one.
        b.faults.silent = True
        with pytest.raises(SnmpTimeout):
            await client.get(LOCAL, other, b"public", [DESCR], timeout_s=0.1)
        # Once the device is healthy again, an old decode error is not reused.
        a.faults.malformed = False
        a.faults.silent = True
        with pytest.raises(SnmpTimeout):
            await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.1)
        a.faults.silent = False
        assert (await client.get(LOCAL, port, b"public", [DESCR])).error_status == 0
    finally:
        await a.close()
        await b.close()


async def test_decode_error_reporting_can_be_turned_off() -> None:
    a, port = await start_agent(AgentFaults(malformed=True))
    try:
        async with SnmpClient(sockets=1, decode_error_on_timeout=False) as client:
            with pytest.raises(SnmpTimeout):
                await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.1)
            assert client.stats["decode_errors"] == 1
    finally:
        await a.close()


async def test_closed_port_times_out_quietly(client: SnmpClient) -> None:
    a, port = await start_agent()
    await a.close()  # nothing listens on the port any more
    with pytest.raises(SnmpTimeout):
        await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.1)
    assert client.stats["sent"] == 1 and client.pending_count == 0


async def test_slow_agent_does_not_delay_fast_agent(client: SnmpClient) -> None:
    slow, slow_port = await start_agent(AgentFaults(latency_s=1.0))
    fast, fast_port = await start_agent()
    try:
        t0 = time.monotonic()
        pending = asyncio.create_task(client.get(LOCAL, slow_port, b"public", [UPTIME]))
        await asyncio.sleep(0.05)
        fast_resp = await client.get(LOCAL, fast_port, b"public", [DESCR])
        fast_elapsed = time.monotonic() - t0
        assert fast_resp.varbinds[0].value == b"ASC"
        assert not pending.done() and fast_elapsed < 0.4
        slow_resp = await pending
        assert slow_resp.varbinds[0].value == 4242 and time.monotonic() - t0 >= 1.0
    finally:
        await slow.close()
        await fast.close()


async def test_500_concurrent_requests_across_50_agents_bounded_in_flight() -> None:
    client = SnmpClient(sockets=2, max_in_flight_per_socket=16)
    await client.start()
    seen: list[int] = []
    agents = []
    for _ in range(50):
        a, port = await start_agent(AgentFaults(latency_s=0.005),
                                    on_request=lambda: seen.append(client.pending_count))
        agents.append((a, port))
    try:
        oids = [TABLE + (i,) for i in range(1, 9)]
        results = await asyncio.gather(
            *(client.get(LOCAL, agents[i % 50][1], b"public", oids, version=i % 2)
              for i in range(500))
        )
        assert len(results) == 500
        assert all(r.varbinds[7] == VarBind(TABLE + (8,), Tag.INTEGER, 80) for r in results)
        assert len(seen) == 500 and max(seen) == 32  # saturated, never above 2 x 16
        assert client.stats["received"] == 500 and client.stats["timeouts"] == 0
        assert client.pending_count == 0
    finally:
        await client.close()
        for a, _ in agents:
            await a.close()


async def test_no_leaks_after_timeouts_and_cancellations(client: SnmpClient) -> None:
    a, port = await start_agent(AgentFaults(silent=True))
    try:
        res = await asyncio.gather(
            *(client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.05) for _ in range(100)),
            return_exceptions=True,
        )
        assert all(isinstance(r, SnmpTimeout) for r in res)
        assert client.pending_count == 0
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.05):
                await client.get(LOCAL, port, b"public", [DESCR], timeout_s=5)
        assert client.pending_count == 0
        tasks = [asyncio.create_task(client.get(LOCAL, port, b"public", [DESCR], timeout_s=5))
                 for _ in range(300)]  # more than the pool's 256 slots: some wait for a slot
        await asyncio.sleep(0.02)
        assert client.pending_count == 256
        for t in tasks:
            t.cancel()
        res = await asyncio.gather(*tasks, return_exceptions=True)
        assert all(isinstance(r, asyncio.CancelledError) for r in res)
        assert client.pending_count == 0
        assert all(e.load == 0 for e in client._endpoints)
        a.faults.silent = False
        assert (await client.get(LOCAL, port, b"public", [DESCR])).error_status == 0
    finally:
        await a.close()


async def test_responses_must_come_from_the_target_address(client: SnmpClient) -> None:
    """A valid response with the right id but from another port is dropped."""
    loop = asyncio.get_running_loop()
    replier, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                     local_addr=(LOCAL, 0))

    class Reflector(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
            req = decode_message(data)
            resp = Message(req.version, req.community, PduType.RESPONSE, req.request_id, 0, 0,
                           req.varbinds)
            replier.sendto(encode_message(resp), addr)  # from the wrong source port

    transport, _ = await loop.create_datagram_endpoint(Reflector, local_addr=(LOCAL, 0))
    port = transport.get_extra_info("sockname")[1]
    try:
        with pytest.raises(SnmpTimeout):
            await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.2)
        assert client.stats["dropped"] == 1 and client.stats["received"] == 0
    finally:
        transport.close()
        replier.close()


async def test_wrong_request_id_is_dropped(client: SnmpClient) -> None:
    a, port = await start_agent(AgentFaults(wrong_request_id=True))
    try:
        with pytest.raises(SnmpTimeout):
            await client.get(LOCAL, port, b"public", [DESCR], timeout_s=0.2)
        assert client.stats["dropped"] == 1
    finally:
        await a.close()


async def test_close_fails_pending_requests_and_is_idempotent() -> None:
    a, port = await start_agent(AgentFaults(silent=True))
    client = SnmpClient(sockets=1, max_in_flight_per_socket=2)
    await client.start()
    try:
        tasks = [asyncio.create_task(client.get(LOCAL, port, b"public", [DESCR], timeout_s=10))
                 for _ in range(5)]
        await asyncio.sleep(0.02)
        t0 = time.monotonic()
        await client.close()
        await client.close()
        res = await asyncio.gather(*tasks, return_exceptions=True)
        assert time.monotonic() - t0 < 0.5
        assert [type(r) for r in res] == [SnmpClientClosed] * 5
        with pytest.raises(SnmpClientClosed):
            await client.get(LOCAL, port, b"public", [DESCR])
        assert client.pending_count == 0
    finally:
        await a.close()


async def test_request_ids_increment_and_wrap(agent: tuple[SnmpAgent, int]) -> None:
    _, port = agent
    async with SnmpClient(sockets=1) as client:
        endpoint = client._endpoints[0]
        endpoint.next_id = 2**31 - 2
        ids = [(await client.get(LOCAL, port, b"public", [DESCR])).request_id for _ in range(3)]
        assert ids == [2**31 - 2, 2**31 - 1, 1]


async def test_hostname_resolution_rcvbuf_and_raw_request(agent: tuple[SnmpAgent, int],
                                                          client: SnmpClient) -> None:
    _, port = agent
    resp = await client.get("localhost", port, b"public", [UPTIME])
    assert resp.varbinds[0].value == 4242
    msg = Message(1, b"public", PduType.GET, 0, 0, 0, (VarBind(DESCR),))
    resp = await client.request(LOCAL, port, msg, timeout_s=1)
    assert resp.varbinds[0].value == b"ASC"
    assert len(client.local_addresses()) == 4
    if os.geteuid() == 0:
        assert client.rcvbuf_bytes >= 4 * 1024 * 1024
    else:
        assert client.rcvbuf_bytes > 0
