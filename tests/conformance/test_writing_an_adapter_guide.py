"""docs/writing-an-adapter.md, run literally: the Modbus profile and the config it shows are
the files in docs/examples/ (included verbatim between markers), they load with the real
loaders, and the profile drives the Modbus simulator through the conformance kit."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gateway.adapters import AdapterCatalog
from gateway.config import load_config
from gateway.model import EventType
from gateway.profiles import load_profile, profile_id_for
from gateway.testing import AdapterConformance, NotApplicable

pytest_plugins = ("gateway.testing.plugin",)

modbus = pytest.importorskip("adapters.modbus.adapter", reason="the Modbus adapter is not here")
sim_modbus = pytest.importorskip("simulators.modbus.controller")

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs/writing-an-adapter.md"
EXAMPLES = REPO / "docs/examples"
PROFILE = EXAMPLES / "modbus/acme-atc300.yaml"
CONFIG = EXAMPLES / "junction-acme.yaml"
INCLUDE = re.compile(r"<!-- include: (?P<path>\S+) -->\n```(?:yaml)?\n(?P<body>.*?)```\n"
                     r"<!-- /include -->", re.S)


def catalog() -> AdapterCatalog:
    found = AdapterCatalog.discover()
    return AdapterCatalog({**dict(found.items()), "modbus": modbus.ModbusAdapter}, found.broken)


def test_the_guide_shows_the_example_files_verbatim() -> None:
    included = {m["path"]: m["body"] for m in INCLUDE.finditer(GUIDE.read_text())}
    assert set(included) >= {"docs/examples/modbus/acme-atc300.yaml",
                             "docs/examples/junction-acme.yaml"}, sorted(included)
    for path, body in included.items():
        assert body == (REPO / path).read_text(), f"{path} differs from the guide's copy"


def test_the_example_profile_and_config_load_with_the_real_loaders() -> None:
    profile = load_profile(PROFILE, profile_id_for(PROFILE), catalog())
    assert profile.id == "modbus/acme-atc300" and profile.adapter == "modbus"
    loaded = load_config(CONFIG, catalog())
    (device,) = loaded.config.devices
    assert device.profile == "modbus/acme-atc300"
    assert loaded.profiles["modbus/acme-atc300"] == profile
    assert loaded.options[device.id]["address_base"] == 1


def test_a_typo_in_the_profile_is_reported_with_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "modbus/acme-atc300.yaml"
    broken.parent.mkdir()
    text = PROFILE.read_text().replace("greens: {table: input, address: 10, type: bitmask}",
                                       "greens: {table: inptu, address: 10, type: bitmask}")
    broken.write_text(text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "inptu" in t)
    from gateway.yamlsource import YamlFileError

    with pytest.raises(YamlFileError) as err:
        load_profile(broken, "modbus/acme-atc300", catalog())
    assert any(e.line == line and "options.points.greens.table" in e.path
               for e in err.value.errors), err.value.errors


class AcmeAtc300Handle:
    """The shared signal engine behind the Modbus face, laid out by the guide's profile."""

    def __init__(self) -> None:
        from simulators.engine.fleet import demo_fleet

        config = next(c for c in demo_fleet() if 1 <= c.local_pattern <= 253)
        self.sim = sim_modbus.SimulatedModbusController(config, profile=PROFILE)
        self.sim.engine.boot_tick -= 6000  # powered up 600 s ago (tenths of a second)
        self._flash = False

    async def start(self) -> dict[str, Any]:
        await self.sim.start()
        (device,) = load_config(CONFIG, catalog()).config.devices
        entry = device.model_dump(mode="json", exclude_none=True)
        entry["endpoint"]["port"] = self.sim.port
        entry["poll"] = {"interval_s": 0.5, "timeout_s": 0.4}
        return entry

    async def close(self) -> None:
        await self.sim.close()

    def silent(self, on: bool) -> None:
        self.sim.faults.silent = on

    def malformed(self, on: bool) -> None:
        self.sim.faults.malformed = on

    def wrong_credentials(self, device: dict[str, Any]) -> dict[str, Any]:
        raise NotApplicable("Modbus TCP has no credentials")

    def reboot(self) -> None:
        self.sim.reboot()

    def trigger_event(self) -> EventType:
        self._flash = not self._flash
        self.sim.engine.set_mmu_flash(self._flash)
        return EventType.SIGNAL_MODE_CHANGED

    def not_applicable(self, check: str) -> str | None:
        return None


class TestAcmeAtc300ProfileConformance(AdapterConformance):
    """A vendor added with a profile only passes the same checks as a new protocol."""

    adapter = modbus.ModbusAdapter
    simulator = AcmeAtc300Handle
    profile = "modbus/acme-atc300"
    profile_dirs = (EXAMPLES,)
