"""The conformance kit itself: each check fails, naming the method and the fix, on an adapter
that has the bug it looks for (NTCIP adapters with one bug each, against the real simulator)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from adapters.ntcip.adapter import NtcipAdapter
from gateway.sdk import DeviceIdentity, Reading
from gateway.testing import NotApplicable, Subject, run_check
from tests.adapters.ntcip.test_ntcip_conformance import NtcipHandle

log = logging.getLogger(__name__)


class HalfWritten(NtcipAdapter):
    async def read(self) -> Reading:
        raise NotImplementedError("poll the device and build its state")


class RaisesLibraryErrors(NtcipAdapter):
    async def read(self) -> Reading:
        return {}["unitControlStatus"]  # type: ignore[no-any-return]


class TellsTheCommunity(NtcipAdapter):
    async def open(self) -> DeviceIdentity:
        log.info("device=%s opening with community %s", self._ctx.device.id,
                 self._community().decode())
        return await super().open()


class NoFaultHooks(NtcipHandle):
    def silent(self, on: bool) -> None:
        raise NotImplementedError

    def malformed(self, on: bool) -> None:
        raise NotApplicable("this simulator cannot garble its answers yet")


def subject(adapter: type[Any], handle: type[Any] = NtcipHandle) -> Subject:
    return Subject(adapter, handle, "ntcip/standard")


def test_an_unimplemented_method_is_named(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception,
                       match=r"HalfWritten\.read\(\) is not implemented yet .*poll the device"):
        run_check(subject(HalfWritten), "identity_and_health", tmp_path)


def test_an_exception_that_is_not_a_junction_error_is_explained(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception) as failed:
        run_check(subject(RaisesLibraryErrors), "state_shape", tmp_path)
    message = str(failed.value)
    assert "RaisesLibraryErrors.read() raised KeyError" in message
    assert "Adapters raise gateway.sdk errors" in message


def test_a_logged_password_is_caught(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception, match="device password appears"):
        run_check(subject(TellsTheCommunity), "no_credentials_in_output", tmp_path)


def test_a_missing_hook_fails_and_an_inapplicable_one_skips(tmp_path: Path) -> None:
    with pytest.raises(pytest.fail.Exception,
                       match=r"NoFaultHooks\.silent\(\) is not implemented yet"):
        run_check(subject(NtcipAdapter, NoFaultHooks), "silence", tmp_path)
    with pytest.raises(pytest.skip.Exception, match="cannot garble its answers yet"):
        run_check(subject(NtcipAdapter, NoFaultHooks), "malformed", tmp_path)


def test_info_must_match_the_methods(tmp_path: Path) -> None:
    class ClaimsEvents(NtcipAdapter):
        info = NtcipAdapter.info.__class__(**{
            **{f: getattr(NtcipAdapter.info, f) for f in NtcipAdapter.info.__slots__},
            "capabilities": NtcipAdapter.info.capabilities | {"events"}})

    with pytest.raises(AssertionError, match="capability events is declared but "
                                             "stream_events"):
        run_check(subject(ClaimsEvents), "adapter_info", tmp_path)
