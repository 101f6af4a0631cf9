"""The README samples load with the real config loader, and the demo fleet (push, alert stream,
Dahua attach) comes up behind a real gateway and stores a violation from each camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.yamlsource import load_yaml
from simulators.enforcement.demo import EnforcementDemo
from simulators.enforcement.traffic import Crossing
from tests.adapters.enforcement.enf_harness import all_violations
from tests.harness import run_gateway, wait_for

REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("adapter, env", [("hikvision_itc", "ITC_MAIN_1ST_PASSWORD"),
                                          ("dahua_itc", "DH_MAIN_1ST_PASSWORD")])
def test_sample_config_loads(monkeypatch: pytest.MonkeyPatch, adapter: str, env: str) -> None:
    monkeypatch.setenv(env, "sample-password")
    loaded = validate_config(load_yaml(REPO / f"adapters/{adapter}/sample.yaml"),
                             AdapterCatalog.discover(), REPO)
    device = loaded.config.devices[0]
    assert device.adapter == adapter and device.kind == "enforcement_camera"
    readme = (REPO / f"adapters/{adapter}/README.md").read_text()
    assert (REPO / f"adapters/{adapter}/sample.yaml").read_text().strip() in readme


def _red(n: int, t: float) -> Crossing:
    return Crossing(seq=n, uuid=f"demo-{n}", time=t, lane=1, phase=2, direction="approach",
                    signal="red", plate=f"京A9000{n}", plate_color="blue", plate_type="02",
                    vehicle_type="car", vehicle_gat="K33", speed_kmh=45, speed_limit_kmh=50,
                    violation_code="1625")


async def test_demo_fleet(tmp_path: Path) -> None:
    demo = EnforcementDemo()
    devices = await demo.start()
    try:
        for device in devices:
            device["poll"] = {"interval_s": 0.3, "timeout_s": 1.0}
        async with run_gateway(devices, tmp_path) as h:
            await wait_for(lambda: all(rt.is_open for rt in h.gateway.registry), 10, "open")
            push, stream = demo.hikvision
            [dahua] = demo.dahua
            await wait_for(lambda: stream.subscribers and dahua.subscribers, 10, "streams")
            for n, hik in enumerate((push, stream), start=1):
                hik.send(_red(n, hik.start_time + 40 + n))
            dahua.send(_red(3, dahua.start_time + 43))

            async def three() -> bool:
                items = await all_violations(h.http, h.base, "&code=1625")
                return {"itc-main-1st-push", "itc-main-1st-stream", "dh-main-1st"} <= \
                    {i["device"] for i in items}

            await wait_for(three, 10, "a violation from each demo camera")
            _, listing = await h.get("/api/v1/devices")
            kinds = {d["id"]: d["kind"] for d in listing["items"]}
            assert set(kinds.values()) == {"enforcement_camera"} and len(kinds) == 3
    finally:
        await demo.close()


def test_unroutable_push_device_is_a_config_error() -> None:
    from gateway.yamlsource import Located, YamlFileError

    raw = {"devices": [{"id": "itc-x", "kind": "enforcement_camera", "adapter": "hikvision_itc",
                        "endpoint": {"host": "127.0.0.1"}, "options": {"match_ip": False}}]}
    with pytest.raises(YamlFileError) as info:
        validate_config(Located(raw, {}, "<test>"), AdapterCatalog.discover(), REPO)
    assert "cannot be routed" in str(info.value.errors[0])


def test_profiles_load_and_schemas_are_current() -> None:
    import json

    from gateway.profiles import BUILTIN_PROFILE_DIR, load_profile, profile_id_for, profile_schema

    catalog = AdapterCatalog.discover()
    for name in ("hikvision_itc", "dahua_itc"):
        folder = BUILTIN_PROFILE_DIR / name
        for path in folder.glob("*.yaml"):
            assert load_profile(path, profile_id_for(path), catalog).adapter == name
        committed = json.loads((folder / "profile.schema.json").read_text())
        assert committed == profile_schema(catalog, name), f"regenerate {name} schema"
