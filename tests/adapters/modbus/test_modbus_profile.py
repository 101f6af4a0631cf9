"""Register-map validation: every mistake is reported with the key's path, a message that says
what to fix, and (added by the core) the line of the profile or config file."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from adapters.modbus.profile import ModbusOptions
from gateway.adapters import AdapterCatalog
from gateway.config import validate_config
from gateway.profiles import load_profile, profile_id_for
from gateway.yamlsource import YamlFileError, load_yaml

REPO = Path(__file__).resolve().parents[3]

SHAPES = """\
adapter: modbus
kind: signal_controller
vendor: X
model: Y
options:
  unit_id: 256
  address_base: 2
  points:
    clock: {table: coil, address: 0, type: uint32}
    big: {table: input, address: 0, type: uint32, count: 3}
    mask: {table: input, address: 5, type: bitmask, scale: 0.1}
    huge: {table: input, address: 0, count: 126}
    wat: {table: input, address: 1, bogus: 1}
"""

REFERENCES = """\
adapter: modbus
kind: signal_controller
vendor: X
model: Y
options:
  address_base: 1
  points:
    greens: {table: input, address: 10}
    mode: {table: input, address: 2, enum: modes}
    zero: {table: input, address: 0}
    status: {table: discrete, address: 1, type: bool}
  control:
    points: [mode, missing]
  alarms:
    - {point: nope, code: x, severity: minor, text: x}
  commands:
    set_pattern:
      writes: [{point: status, value: "{plan}"}]
    free:
      writes: [{point: greens, value: 254}]
  failsafe: {heartbeat: status}
  plans: [1, 2, 2]
"""


def errors(tmp_path: Path, text: str) -> list[tuple[int | None, str, str]]:
    path = tmp_path / "modbus" / "bad.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    with pytest.raises(YamlFileError) as info:
        load_profile(path, profile_id_for(path))
    return [(e.line, e.path, e.message) for e in info.value.errors]


def test_point_shape_errors_have_their_lines(tmp_path: Path) -> None:
    found = errors(tmp_path, SHAPES)
    lines = [(line, path) for line, path, _ in found]
    assert lines == [(6, "options.unit_id"), (7, "options.address_base"),
                     (9, "options.points.clock"), (10, "options.points.big"),
                     (11, "options.points.mask"), (12, "options.points.huge"),
                     (13, "options.points.wat.bogus")]
    text = {path: message for _, path, message in found}
    assert "coil points hold bits: type must be bool or bitmask, not uint32" in \
        text["options.points.clock"]
    assert "count 3 is not a multiple of uint32's width (2 registers)" in \
        text["options.points.big"]
    assert "scale and offset apply to numbers" in text["options.points.mask"]
    assert "exceeds the 125 registers one Modbus read can return" in text["options.points.huge"]
    assert text["options.points.wat.bogus"] == "unknown key 'bogus'"


def test_reference_errors_have_their_lines(tmp_path: Path) -> None:
    found = errors(tmp_path, REFERENCES)
    by_path = {path: (line, message) for line, path, message in found}
    assert by_path["options.points.greens.type"] == (
        8, "greens is a bitmask (bit 0 = number 1), not uint16")
    assert by_path["options.points.mode.enum"] == (9, "no enum named 'modes'")
    assert by_path["options.points.zero.address"][1] == \
        "address 0 is below the map's address_base 1"
    assert by_path["options.control.points.1"][0] == 13
    assert by_path["options.control.points.1"][1].startswith("no point named 'missing'")
    assert "options.control.points.0" not in by_path  # its missing enum is reported above
    assert by_path["options.alarms.0.point"][0] == 15
    assert by_path["options.commands.set_pattern.writes.0.point"] == (
        18, "point 'status' is in the discrete table, which cannot be written (use holding "
            "or coil)")
    assert "must be a number or a template using only {pattern}, {backup_time_s}" in \
        by_path["options.commands.set_pattern.writes.0.value"][1]
    assert by_path["options.commands.free.writes.0.point"][0] == 20
    assert "cannot be written" in by_path["options.failsafe.heartbeat"][1]
    assert by_path["options.plans"] == (22, "a plan number is listed twice")


def test_device_options_errors_point_into_the_config(tmp_path: Path) -> None:
    raw = {"devices": [{"id": "mb-1", "kind": "signal_controller", "adapter": "modbus",
                        "profile": "modbus/tsc-modbus", "endpoint": {"host": "127.0.0.1"},
                        "options": {"unit_id": -1, "plans": [{"number": 300}]}}]}
    with pytest.raises(YamlFileError) as info:
        validate_config(load_yaml("c.yaml", _dump(raw)), AdapterCatalog.discover(), tmp_path)
    paths = {e.path: (e.line, e.message) for e in info.value.errors}
    assert paths["devices.0.options.unit_id"][0] is not None
    assert "greater than or equal to 0" in paths["devices.0.options.unit_id"][1]
    assert "devices.0.options.plans.0.number" in paths


def test_shipped_profiles_and_sample_config_load(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = AdapterCatalog.discover()
    for path in (REPO / "profiles/modbus").glob("*.yaml"):
        profile = load_profile(path, profile_id_for(path), catalog)
        ModbusOptions.model_validate(profile.options)
    loaded = validate_config(load_yaml(REPO / "adapters/modbus/sample.yaml"), catalog, REPO)
    device = loaded.config.devices[0]
    assert device.adapter == "modbus" and device.profile == "modbus/tsc-modbus"
    assert loaded.options[device.id]["unit_id"] == 1
    assert loaded.options[device.id]["plans"][1] == {"number": 2, "cycle_s": 120.0,
                                                     "offset_s": 30.0}


def test_readme_shows_the_sample_config() -> None:
    sample = (REPO / "adapters/modbus/sample.yaml").read_text()
    devices = sample[sample.index("\ndevices:"):].strip()
    assert devices in (REPO / "adapters/modbus/README.md").read_text()


def test_poll_interval_must_fit_the_backup_time(tmp_path: Path) -> None:
    raw = {"devices": [{"id": "mb-1", "kind": "signal_controller", "adapter": "modbus",
                        "profile": "modbus/tsc-modbus", "endpoint": {"host": "127.0.0.1"},
                        "poll": {"interval_s": 5, "timeout_s": 1},
                        "options": {"backup_time_s": 10}}]}
    with pytest.raises(YamlFileError) as info:
        validate_config(load_yaml("c.yaml", _dump(raw)), AdapterCatalog.discover(), tmp_path)
    assert "poll.interval_s=5.0 is too long for backup_time_s=10" in str(info.value)
    raw["devices"][0]["options"] = {"backup_time_s": 15}
    validate_config(load_yaml("c.yaml", _dump(raw)), AdapterCatalog.discover(), tmp_path)


def test_unit_ids_0_to_255_are_accepted() -> None:
    for unit in (0, 1, 247, 255):
        assert ModbusOptions.model_validate({"unit_id": unit}).unit_id == unit
    with pytest.raises(ValidationError):
        ModbusOptions.model_validate({"unit_id": 256})


def _dump(raw: object) -> str:
    import yaml
    return yaml.safe_dump(raw, sort_keys=False)
