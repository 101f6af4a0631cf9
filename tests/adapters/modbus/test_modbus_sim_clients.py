"""The Modbus simulator is real Modbus TCP: pymodbus's own client and mbpoll (libmodbus) read
and write it, and what they read is exactly the signal engine's state, laid out by the profile.

The simulators run on a frozen clock, so the engine cannot move between a read and the check.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusIOException

from simulators.engine import Override, PhaseControl
from simulators.engine.fleet import demo_fleet
from simulators.modbus.controller import SimulatedModbusController
from simulators.modbus.server import ServerQuirks

pytestmark = pytest.mark.skipif(shutil.which("mbpoll") is None, reason="mbpoll not installed")

Clock = list[float]


@asynccontextmanager
async def controller(profile: str = "modbus/tsc-modbus", index: int = 0,
                     **kw: Any) -> AsyncIterator[tuple[SimulatedModbusController, Clock]]:
    now: Clock = [1_800_000_000.0]
    sim = SimulatedModbusController(demo_fleet()[index], profile=profile, seed=index,
                                    clock=lambda: now[0], **kw)
    await sim.start()
    try:
        yield sim, now
    finally:
        await sim.close()


@asynccontextmanager
async def client(sim: SimulatedModbusController) -> AsyncIterator[AsyncModbusTcpClient]:
    c = AsyncModbusTcpClient("127.0.0.1", port=sim.port, timeout=1, retries=0)
    assert await c.connect()
    try:
        yield c
    finally:
        c.close()


async def mbpoll(*args: str) -> dict[int, int]:
    """Run mbpoll once; {reference: value}. Fails the test on a non-zero exit."""
    proc = await asyncio.create_subprocess_exec(
        "mbpoll", "-m", "tcp", "-1", "-o", "2", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    out, _ = await proc.communicate()
    text = out.decode()
    assert proc.returncode == 0, text
    return {int(m[1]): int(m[2]) for m in re.finditer(r"^\[(\d+)\]:\s+(-?\d+)", text, re.M)}


def expected_inputs(sim: SimulatedModbusController) -> dict[int, int]:
    """TSC-Modbus input registers straight from the engine (reference §5.2)."""
    e = sim.engine
    t = int(e.device_time_s)
    uptime = int(e.uptime_s)
    values = [t >> 16, t & 0xFFFF, e.unit_control_status, e.unit_flash_status,
              e.coord_pattern_status, e.unit_alarm_status1, e.unit_alarm_status2,
              e.short_alarm_status, e.cycle_timer, e.sync_timer, e.greens, e.yellows, e.reds,
              e.walks, e.veh_calls, e.ped_calls, e.phase_ons, e.phase_nexts, e.ped_clears,
              e.dont_walks]
    out = dict(enumerate(values))
    out.update({56: e.local_free_status, 58: uptime >> 16, 59: uptime & 0xFFFF,
                60: e.detector_alarms & 0xFFFF})
    return out


async def test_pymodbus_client_reads_the_engine_state() -> None:
    async with controller(index=4) as (sim, now), client(sim) as c:  # detector 3 stuck on
        for step in (0.0, 37.3, 61.8, 100.0):
            now[0] += step
            sim.engine.advance(now[0])
            want = expected_inputs(sim)
            rr = await c.read_input_registers(0, count=64, device_id=1)
            assert not rr.isError(), rr
            got = dict(enumerate(rr.registers))
            assert {a: got[a] for a in want} == want, f"at +{step} s"
            di = await c.read_discrete_inputs(100, count=64, device_id=1)
            mask = sum(1 << i for i, bit in enumerate(di.bits[:64]) if bit)
            assert mask == sim.engine.detector_active
            assert sim.engine.detector_alarms & 0b100  # the stuck detector shows in 60
        hr = await c.read_holding_registers(0, count=4, device_id=1)
        assert hr.registers[:3] == [0, sim.engine.central.system_sync_control,
                                    sim.engine.central.unit_backup_time_s]


async def test_pymodbus_client_writes_reach_the_engine() -> None:
    async with controller() as (sim, _), client(sim) as c:
        assert not (await c.write_registers(2, [30, 7], device_id=1)).isError()  # backup, beat
        assert not (await c.write_register(0, 3, device_id=1)).isError()
        assert sim.engine.central.system_pattern_control == 3
        assert sim.engine.central.unit_backup_time_s == 30
        assert sim.engine.coord_pattern_status == 3 and sim.engine.unit_control_status == 2
        assert not (await c.write_coil(2, True, device_id=1)).isError()
        assert sim.engine.override is Override.ALL_RED
        assert (await c.read_coils(0, count=4, device_id=1)).bits[:4] == [False, False, True,
                                                                          False]
        assert not (await c.write_coils(10, [False, True, True], device_id=1)).isError()
        assert sim.engine.central.phase_control[PhaseControl.HOLD] == 0b110
        bad = await c.write_register(0, 300, device_id=1)  # systemPatternControl 0..255
        assert bad.isError() and bad.exception_code == 3


async def test_mbpoll_reads_and_writes_the_tsc_map() -> None:
    async with controller(index=1) as (sim, now):
        now[0] += 12.5
        sim.engine.advance(now[0])
        want = expected_inputs(sim)
        port = str(sim.port)
        got = await mbpoll("-a", "1", "-r", "1", "-c", "20", "-t", "3", "-p", port, "127.0.0.1")
        assert {ref - 1: v & 0xFFFF for ref, v in got.items()} == \
            {a: want[a] for a in range(20)}
        epoch = await mbpoll("-a", "1", "-0", "-r", "0", "-t", "3:int", "-B", "-p", port,
                             "127.0.0.1")
        assert epoch == {0: int(sim.engine.device_time_s)}
        await mbpoll("-a", "1", "-r", "3", "-t", "4", "-p", port, "127.0.0.1", "20", "5")
        await mbpoll("-a", "1", "-r", "1", "-t", "4", "-p", port, "127.0.0.1", "2")
        assert sim.engine.central.system_pattern_control == 2
        assert sim.engine.central.unit_backup_time_s == 20
        assert await mbpoll("-a", "1", "-r", "1", "-c", "4", "-t", "4", "-p", port,
                            "127.0.0.1") == {1: 2, 2: 255, 3: 20, 4: 5}
        await mbpoll("-a", "1", "-r", "2", "-t", "0", "-p", port, "127.0.0.1", "1")  # coil 1
        assert sim.engine.override is Override.FLASH


async def test_mbpoll_reads_the_vendor_map_one_based_low_word_first() -> None:
    # mbpoll cannot wait after connecting, so the vendor model's timing quirks are off here
    async with controller("modbus/vendor-quirks", quirks=ServerQuirks()) as (sim, now):
        now[0] += 5
        sim.engine.advance(now[0])
        port = str(sim.port)
        got = await mbpoll("-a", "255", "-r", "1", "-c", "2", "-t", "3:int", "-p", port,
                           "127.0.0.1")  # mbpoll's default 32-bit order is low word first
        assert got == {1: int(sim.engine.device_time_s), 3: int(sim.engine.uptime_s * 10)}
        regs = await mbpoll("-a", "255", "-r", "5", "-c", "2", "-t", "3", "-p", port,
                            "127.0.0.1")
        assert regs == {5: 3, 6: sim.engine.coord_pattern_status}  # run mode 3: local coord
        temp = await mbpoll("-a", "255", "-r", "19", "-t", "3", "-p", port, "127.0.0.1")
        assert temp == {19: (-35) & 0xFFFF} or temp == {19: -35}
        await mbpoll("-a", "255", "-r", "1", "-t", "0", "-p", port, "127.0.0.1", "1")
        assert sim.engine.override is Override.FLASH
        regs = await mbpoll("-a", "255", "-r", "5", "-t", "3", "-p", port, "127.0.0.1")
        assert regs == {5: 10}  # run mode 10: flash, manual


async def raw_exchange(port: int, frames: bytes, answers: int,
                       timeout_s: float = 2.0) -> list[bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(frames)
    out = []
    for _ in range(answers):
        head = await asyncio.wait_for(reader.readexactly(7), timeout_s)
        out.append(head + await reader.readexactly(struct.unpack(">H", head[4:6])[0] - 1))
    writer.close()
    return out


def frame(tid: int, unit: int, pdu: bytes) -> bytes:
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


async def test_framing_exceptions_and_unit_ids() -> None:
    async with controller() as (sim, _):
        pipelined = frame(1, 1, bytes([4, 0, 2, 0, 1])) + frame(2, 1, bytes([43, 14, 1, 0])) \
            + frame(3, 1, bytes([4, 1, 0x2C, 0, 1])) + frame(4, 9, bytes([3, 0, 0, 0, 1])) \
            + frame(5, 1, bytes([3, 0, 0, 0, 200]))
        a = await raw_exchange(sim.port, pipelined, 5)
        status = struct.pack(">H", sim.engine.unit_control_status)
        assert a[0] == frame(1, 1, bytes([4, 2]) + status)
        assert a[1] == frame(2, 1, bytes([43 | 0x80, 1]))  # illegal function
        assert a[2] == frame(3, 1, bytes([0x84, 2]))  # input register 300: illegal address
        assert a[3] == frame(4, 9, bytes([0x83, 11]))  # unit 9: gateway target failed
        assert a[4] == frame(5, 1, bytes([0x83, 3]))  # 200 registers: illegal value


async def test_vendor_model_refuses_holes_and_needs_pauses() -> None:
    async with controller("modbus/vendor-quirks") as (sim, _), client(sim) as c:
        await asyncio.sleep(0.1)  # deaf for 80 ms after a connect
        assert not (await c.read_input_registers(0, count=19, device_id=255)).isError()
        busy = await c.read_input_registers(0, count=19, device_id=255)
        assert busy.isError() and busy.exception_code == 6  # too soon after the last one
        await asyncio.sleep(0.02)
        hole = await c.read_input_registers(0, count=20, device_id=255)
        assert hole.isError() and hole.exception_code == 2  # register 20 is undefined
        await asyncio.sleep(0.02)
        assert not (await c.read_input_registers(20, count=8, device_id=255)).isError()
    async with controller("modbus/vendor-quirks") as (sim, _), client(sim) as c:
        with pytest.raises(ModbusIOException):  # no answer right after a connect
            await c.read_input_registers(0, count=1, device_id=255)


async def test_fault_switches() -> None:
    async with controller() as (sim, _), client(sim) as c:
        sim.faults.exception = 4
        rr = await c.read_input_registers(0, count=2, device_id=1)
        assert rr.isError() and rr.exception_code == 4
        sim.faults.exception = None
        sim.faults.write_exception = 4
        assert not (await c.read_input_registers(0, count=2, device_id=1)).isError()
        assert (await c.write_register(0, 2, device_id=1)).exception_code == 4
        sim.faults.write_exception = None
        sim.faults.latency_s = 0.2
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert not (await c.read_input_registers(0, count=2, device_id=1)).isError()
        assert loop.time() - started >= 0.19
        sim.faults.latency_s = 0
    async with controller() as (sim, _):
        sim.faults.malformed = True
        answer = (await raw_exchange(sim.port, frame(1, 1, bytes([4, 0, 0, 0, 2])), 1))[0]
        assert answer[8] == 4 and len(answer) == 9 + 2  # promises 4 bytes, carries 2
        sim.faults.malformed = False
        sim.faults.reply_unit_id = 7
        answer = (await raw_exchange(sim.port, frame(1, 1, bytes([4, 0, 0, 0, 2])), 1))[0]
        assert answer[6] == 7
        sim.faults.silent = True
        with pytest.raises(TimeoutError):
            await raw_exchange(sim.port, frame(1, 1, bytes([4, 0, 0, 0, 2])), 1, timeout_s=0.3)
        sim.faults.silent = False
        sim.faults.drop = True
        with pytest.raises(asyncio.IncompleteReadError):
            await raw_exchange(sim.port, frame(1, 1, bytes([4, 0, 0, 0, 2])), 1)
        sim.faults.drop = False
        await sim.stop_listening()
        with pytest.raises(ConnectionRefusedError):
            await asyncio.open_connection("127.0.0.1", sim.port)
        await sim.resume()
        assert await raw_exchange(sim.port, frame(1, 1, bytes([4, 0, 2, 0, 1])), 1)


async def test_watchdog_drops_central_control_when_the_heartbeat_stops() -> None:
    async with controller() as (sim, now), client(sim) as c:
        e = sim.engine

        async def step(seconds: float, beat: int | None) -> None:
            now[0] += seconds
            if beat is not None:
                assert not (await c.write_register(3, beat, device_id=1)).isError()
            e.advance(now[0])
            sim.face.check_watchdog(now[0])

        await c.write_register(2, 5, device_id=1)  # backup time 5 s
        await c.write_register(0, 2, device_id=1)  # central pattern 2
        await c.write_coil(2, True, device_id=1)  # central all red
        for beat in range(1, 6):  # 20 s of heartbeats every 4 s: control is kept
            await step(4, beat)
            assert e.central.system_pattern_control == 2 and e.override is Override.ALL_RED
        await step(4, 5)  # the same value again is not a heartbeat
        await step(1.5, None)
        assert e.central.system_pattern_control == 0 and e.unit_control_status == 4  # backup
        assert e.override is None
        assert e.central.backups_entered == 1


async def test_watchdog_timer_fires_without_polls() -> None:
    sim = SimulatedModbusController(demo_fleet()[0])
    await sim.start()
    try:
        async with client(sim) as c:
            await c.write_register(2, 1, device_id=1)  # backup time 1 s
            await c.write_coil(2, True, device_id=1)  # central all red
        assert sim.engine.override is Override.ALL_RED
        await asyncio.sleep(1.2)  # nobody writes, nobody polls: the face's timer fires
        assert sim.engine.override is None
    finally:
        await sim.close()
