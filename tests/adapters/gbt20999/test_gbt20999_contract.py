"""The package's outside: entry points, sample config and profiles through the real loaders, the
demo fleet, and the dependency arrows (adapters -> gateway.sdk/model only; simulators never
import adapters)."""

from __future__ import annotations

import ast
import json
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from adapters.gbt20999.adapter import Gbt20999Adapter
from adapters.gbt20999.options import Gbt20999Options
from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.profiles import load_profile, profile_schema
from gateway.sdk import CommandAdapter
from gateway.yamlsource import Located, YamlFileError, load_yaml
from simulators.gbt20999.demo import Gbt20999Demo
from tests.adapters.gbt20999.gbt_harness import until_up
from tests.harness import run_gateway

REPO = Path(__file__).resolve().parents[3]


def test_entry_point_and_info() -> None:
    declared = {e.name: e.value for e in entry_points(group="junction.adapters")}
    catalog = AdapterCatalog.discover()
    assert "gbt20999" not in catalog.broken, catalog.broken
    assert catalog.get("gbt20999") is Gbt20999Adapter
    if "gbt20999" in declared:  # declared by the lead when the package lands
        assert declared["gbt20999"] == "adapters.gbt20999.adapter:Gbt20999Adapter"
        demos = {e.name: e.value for e in entry_points(group="junction.demo")}
        assert demos.get("gbt20999") == "simulators.gbt20999.demo:Gbt20999Demo"
    info = Gbt20999Adapter.info
    assert info.options_model is Gbt20999Options and info.default_port == 4050
    assert {c.value for c in info.commands} == {"set_pattern", "set_mode", "release"}
    for name in ("open", "read", "close", "execute"):  # CommandAdapter's methods
        assert callable(getattr(Gbt20999Adapter, name)) and hasattr(CommandAdapter, name)


def test_sample_config_and_profiles_load() -> None:
    loaded = validate_config(load_yaml(REPO / "adapters/gbt20999/sample.yaml"),
                             AdapterCatalog.discover(), REPO)
    device = loaded.config.devices[0]
    assert device.adapter == "gbt20999" and device.profile == "gbt20999/standard"
    assert loaded.options[device.id]["controller_id"] == 0x009A2109
    assert loaded.options[device.id]["crc_poly"] == 0x1005  # from the profile
    expected = {"standard": (0x1005, 0x0000, "tcp"), "ccitt-crc": (0x1021, 0xFFFF, "tcp"),
                "udp-vendor": (0x1005, 0x0000, "udp")}
    found = {}
    for path in sorted((REPO / "profiles/gbt20999").glob("*.yaml")):
        profile = load_profile(path, f"gbt20999/{path.stem}")
        opts = Gbt20999Options.model_validate(profile.options)
        found[path.stem] = (opts.crc_poly, opts.crc_init, opts.transport)
        assert profile.adapter == "gbt20999" and profile.port == 4050
    assert found == expected
    vendor = Gbt20999Options.model_validate(
        load_profile(REPO / "profiles/gbt20999/udp-vendor.yaml", "gbt20999/udp-vendor").options)
    assert vendor.heartbeat_reply == 0x71 and vendor.length_mode.value == "between_delimiters"


def test_profile_schema_is_current() -> None:
    committed = json.loads((REPO / "profiles/gbt20999/profile.schema.json").read_text())
    assert committed == profile_schema(AdapterCatalog.discover(), "gbt20999"), \
        "regenerate: junction profile-schema gbt20999 > profiles/gbt20999/profile.schema.json"


def test_readme_shows_the_sample() -> None:
    sample = (REPO / "adapters/gbt20999/sample.yaml").read_text()
    entry = sample[sample.index("\ndevices:") + 1:]
    assert entry in (REPO / "adapters/gbt20999/README.md").read_text()


def test_link_timeout_needs_frequent_polls() -> None:
    def load(interval_s: float, heartbeat_s: float) -> None:
        raw = {"devices": [{"id": "gbt-x", "kind": "signal_controller", "adapter": "gbt20999",
                            "profile": "gbt20999/standard", "endpoint": {"host": "127.0.0.1"},
                            "poll": {"interval_s": interval_s},
                            "options": {"link_timeout_s": 30, "heartbeat_s": heartbeat_s}}]}
        validate_config(Located(raw, {}, "<test>"), AdapterCatalog.discover(), REPO)

    load(5.0, 5.0)
    load(60.0, 5.0)  # heartbeats keep the link alive between slow polls
    with pytest.raises(YamlFileError, match="too long for link_timeout_s=30"):
        load(60.0, 0)


def test_bad_options_fail_at_load_with_a_line() -> None:
    raw = {"devices": [{"id": "gbt-x", "kind": "signal_controller", "adapter": "gbt20999",
                        "profile": "gbt20999/standard", "endpoint": {"host": "127.0.0.1"},
                        "options": {"crc_poly": 0x10000, "transport": "serial"}}]}
    with pytest.raises(YamlFileError) as info:
        validate_config(Located(raw, {}, "<test>"), AdapterCatalog.discover(), REPO)
    text = str(info.value)
    assert "crc_poly" in text and "transport" in text


def test_import_arrows() -> None:
    for folder, forbidden in (("adapters/gbt20999", ("gateway.",)),
                              ("simulators/gbt20999", ("adapters",))):
        for path in (REPO / folder).glob("*.py"):
            tree = ast.parse(path.read_text())
            names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
            names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import)
                      for a in n.names]
            for name in names:
                if folder.startswith("adapters"):
                    assert not name.startswith(forbidden) or name.split(".")[1] in (
                        "sdk", "model"), (path, name)
                    assert not name.startswith("adapters.") or \
                        name.startswith("adapters.gbt20999"), (path, name)
                else:
                    assert not name.startswith(forbidden), (path, name)


async def test_demo_fleet_runs(tmp_path: Path) -> None:
    demo = Gbt20999Demo()
    try:
        devices = await demo.start()
        assert [d["id"] for d in devices] == ["gbt-00000", "gbt-00001"]
        assert [d["profile"] for d in devices] == ["gbt20999/standard", "gbt20999/ccitt-crc"]
        async with run_gateway(devices, tmp_path) as h:
            await until_up(h, *(d["id"] for d in devices))
    finally:
        await demo.close()
