"""NorthboundConfig validation, GA/T 1049 identities from device tags, start/stop."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.model import DeviceConfig
from gateway.northbound import NorthboundConfig, start_northbound
from gateway.northbound.gat1049.ids import CrossDirectory
from tests.harness import device_entry, run_gateway, start_sims
from tests.northbound.conftest import coordinated


def test_defaults_are_off_and_documented_ports() -> None:
    config = NorthboundConfig()
    assert not config.ntcip.enabled and not config.gat1049.enabled
    assert config.ntcip.port == 1161 and config.gat1049.port == 9009
    assert config.ntcip.read_community.get_secret_value() == "public"
    assert config.gat1049.max_frame_chars == 100_000
    assert "public" not in repr(config)


def test_secrets_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NB_WRITE", "from-env")
    monkeypatch.setenv("NB_PW", "pw-from-env")
    config = NorthboundConfig.model_validate({
        "ntcip": {"write_communities": [{"community_env": "NB_WRITE", "actor": "atms"}]},
        "gat1049": {"users": [{"username": "u", "password_env": "NB_PW"}]}})
    assert config.ntcip.write_communities[0].secret() == "from-env"
    assert config.gat1049.users[0].secret() == "pw-from-env"
    assert config.gat1049.users[0].role == "viewer"
    with pytest.raises(ValidationError, match="NB_MISSING"):
        NorthboundConfig.model_validate({"gat1049": {"users": [
            {"username": "u", "password_env": "NB_MISSING"}]}})


@pytest.mark.parametrize("raw, problem", [
    ({"ntcip": {"read_community": "a@b"}}, "without '@'"),
    ({"ntcip": {"write_communities": [{"community": "w", "actor": "a"},
                                      {"community": "w", "actor": "b"}]}}, "distinct"),
    ({"ntcip": {"write_communities": [{"actor": "a"}]}}, "exactly one"),
    ({"gat1049": {"users": [{"username": "u", "password": "p"},
                            {"username": "u", "password": "q"}]}}, "unique"),
    ({"gat1049": {"users": [{"username": "u", "password": "p", "role": "admin"}]}}, "role"),
    ({"gat1049": {"heartbeat": 3}}, "Extra inputs"),
    ({"mqtt": {}}, "Extra inputs"),
])
def test_bad_configs_are_refused(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        NorthboundConfig.model_validate(raw)


def device(ident: str, **tags: str) -> DeviceConfig:
    return DeviceConfig.model_validate({"id": ident, "kind": "signal_controller",
                                        "adapter": "ntcip", "endpoint": {"host": "h"},
                                        "tags": tags})


def test_gat1049_ids_from_tags_default_to_the_device_id() -> None:
    ids = CrossDirectory([device("a", gat1049_cross_id="32010000000001",
                                 gat1049_controller_id="32010000099000001"), device("b")],
                         cross_tag="gat1049_cross_id", controller_tag="gat1049_controller_id")
    assert ids.cross_id("a") == "32010000000001" and ids.device_for_cross("32010000000001") == "a"
    assert ids.controller_id("a") == "32010000099000001"
    assert ids.cross_id("b") == "b" and ids.controller_id("b") == "b"
    assert ids.devices() == ["a", "b"]
    with pytest.raises(ValueError, match="CrossID 'x'"):
        CrossDirectory([device("a", gat1049_cross_id="x"), device("b", gat1049_cross_id="x")],
                       cross_tag="gat1049_cross_id", controller_tag="gat1049_controller_id")


async def test_start_refuses_duplicate_ids_and_leaves_nothing_running(tmp_path: Path) -> None:
    config = coordinated()
    async with start_sims([config]) as (sim,):
        entries = [device_entry(sim, tags={"gat1049_cross_id": "same"}),
                   device_entry(sim, id="twin", tags={"gat1049_cross_id": "same"})]
        async with run_gateway(entries, tmp_path) as h:
            both = NorthboundConfig.model_validate({"ntcip": {"enabled": True, "port": 0},
                                                    "gat1049": {"enabled": True, "port": 0}})
            with pytest.raises(ValueError, match="same"):
                await start_northbound(h.gateway, both)
            only_snmp = NorthboundConfig.model_validate({"ntcip": {"enabled": True, "port": 0}})
            handle = await start_northbound(h.gateway, only_snmp)
            assert handle.ntcip_address is not None and handle.gat1049_address is None
            await handle()
            await handle()  # stopping twice is harmless
