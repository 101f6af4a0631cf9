"""SNMP SET through the gateway's command path: systemPatternControl is the one writable object.

A SET of systemPatternControl.0 (reference §1.7) becomes a sanctioned command, so the REST rules
apply: validation, capability check, audit under the write community's actor, and the adapter's
fail-safe (the NTCIP adapter arms unitBackupTime and re-asserts; others use their equivalent).
0 -> release, 1..253 -> set_pattern, 254 -> set_mode free, 255 -> set_mode flash.

Every varbind is checked before any command runs (wrongType, wrongValue, notWritable,
noCreation); commands then run in varbind order. unitBackupTime and globalTime are read-write in
the MIB but answer notWritable here: the backup time is the adapter's configured fail-safe
(`backup_time_s` in the device options), not something a northbound client may shorten, and the
gateway never sets device clocks. Outcomes map to v2c codes (the caller maps them for v1):
invalid (unknown pattern) -> wrongValue; unsupported by the device -> notWritable; refused by the
device, unreachable or timed out -> commitFailed.
"""

from __future__ import annotations

import logging
from typing import Any

from gateway.northbound.ntcip import oids as O
from gateway.northbound.ntcip.view import MibSnapshot
from gateway.registry import DeviceRuntime
from gateway.sdk.errors import NotFound
from gateway.sdk.snmp import ErrorStatus, Message, Tag
from gateway.service import CommandFailure, Gateway

__all__ = ["check_set", "apply_set", "command_for"]

log = logging.getLogger(__name__)

_STATUS_BY_HTTP = {422: ErrorStatus.WRONG_VALUE, 501: ErrorStatus.NOT_WRITABLE,
                   404: ErrorStatus.NO_CREATION}


def command_for(value: int) -> tuple[str, dict[str, Any]]:
    """systemPatternControl value (0..255) -> (command name, args)."""
    if value == 0:
        return "release", {}
    if value == 254:
        return "set_mode", {"mode": "free"}
    if value == 255:
        return "set_mode", {"mode": "flash"}
    return "set_pattern", {"pattern": value}


def check_set(req: Message, view: MibSnapshot) -> tuple[int, int]:
    """(v2c error-status, 1-based index) of the first varbind that cannot be set, or (0, 0)."""
    for i, vb in enumerate(req.varbinds, start=1):
        if vb.oid not in view:
            status = ErrorStatus.NOT_WRITABLE if vb.oid in O.WRITABLE else ErrorStatus.NO_CREATION
            return status, i
        if vb.oid != O.SYSTEM_PATTERN_CONTROL:
            if vb.oid == O.UNIT_BACKUP_TIME:
                log.info("event=snmp_set_refused object=unitBackupTime note=%s",
                         "the backup time is the device's configured fail-safe (backup_time_s)")
            return ErrorStatus.NOT_WRITABLE, i
        if vb.tag != Tag.INTEGER or not isinstance(vb.value, int):
            return ErrorStatus.WRONG_TYPE, i
        if not 0 <= vb.value <= 255:
            return ErrorStatus.WRONG_VALUE, i
    return 0, 0


async def apply_set(gateway: Gateway, rt: DeviceRuntime, req: Message,
                    actor: str) -> tuple[int, int]:
    """Run the commands of a checked SET. Returns (v2c error-status, index) or (0, 0)."""
    for i, vb in enumerate(req.varbinds, start=1):
        assert isinstance(vb.value, int)
        name, args = command_for(vb.value)
        try:
            await gateway.execute(rt.id, name, args, actor)
        except CommandFailure as failure:
            status = _STATUS_BY_HTTP.get(failure.status, ErrorStatus.COMMIT_FAILED)
            log.info("device=%s event=snmp_set_failed command=%s status=%d message=%s",
                     rt.id, name, failure.status, failure.outcome.message)
            return status, i
        except NotFound:
            return ErrorStatus.NO_CREATION, i
    return 0, 0
