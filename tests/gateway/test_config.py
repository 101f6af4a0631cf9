"""Config loading: every error reported at once, each with file and line."""

from pathlib import Path

import pytest

from gateway.config import load_config
from gateway.yamlsource import YamlFileError

GOOD = """\
api: {host: 127.0.0.1, port: 0}
auth:
  anonymous_read: false
  tokens:
    - {name: ops, token: "0123456789abcdef0123"}
devices:
  - id: ctl-1
    kind: signal_controller
    adapter: ntcip
    profile: ntcip/standard
    endpoint: {host: 127.0.0.1, port: 1161}
    credentials: {password: s3cret-community}
"""

BAD = """\
api: {host: 127.0.0.1, port: 99999}
devices:
  - id: ctl-1
    kind: signal_controller
    adapter: ntcip
    endpoint: {host: 127.0.0.1, port: 1161}
    colour: blue
  - id: Bad Id
    kind: toaster
    adapter: ntcip
    endpoint: {host: 127.0.0.1}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "junction.yaml"
    path.write_text(text)
    return path


def test_good_config_loads_with_profile_defaults(tmp_path: Path) -> None:
    loaded = load_config(write(tmp_path, GOOD))
    device = loaded.config.devices[0]
    assert device.id == "ctl-1"
    assert loaded.profiles["ntcip/standard"].port == 161
    assert loaded.options["ctl-1"]["backup_time_s"] == 60
    assert "s3cret" not in repr(device)


def test_every_error_has_its_line(tmp_path: Path) -> None:
    with pytest.raises(YamlFileError) as info:
        load_config(write(tmp_path, BAD))
    errors = {(e.line, e.path): e.message for e in info.value.errors}
    lines = sorted(line for line, _ in errors)
    assert 1 in lines  # api.port out of range
    assert 7 in lines  # unknown key colour
    assert 8 in lines  # bad id
    assert 9 in lines  # bad kind
    assert any("unknown key 'colour'" in m for m in errors.values())
    assert all(e.file.endswith("junction.yaml") for e in info.value.errors)


def test_semantic_errors_unknown_adapter_duplicate_id_bad_option(tmp_path: Path) -> None:
    text = GOOD + """\
  - id: ctl-1
    kind: signal_controller
    adapter: nosuch
    endpoint: {host: 127.0.0.1, port: 1}
  - id: ctl-3
    kind: signal_controller
    adapter: ntcip
    endpoint: {host: 127.0.0.1, port: 1}
    options: {backup_time_s: 1}
"""
    with pytest.raises(YamlFileError) as info:
        load_config(write(tmp_path, text))
    messages = [str(e) for e in info.value.errors]
    assert any(":13:" in m and "duplicate device id" in m for m in messages), messages
    assert any(":15:" in m and "unknown adapter 'nosuch'" in m for m in messages), messages
    assert any(":21:" in m and "backup_time_s" in m for m in messages), messages


def test_yaml_syntax_error_and_aliases(tmp_path: Path) -> None:
    with pytest.raises(YamlFileError) as info:
        load_config(write(tmp_path, "devices: [\n  {id: x\n"))
    assert info.value.errors[0].line is not None
    with pytest.raises(YamlFileError) as info:
        load_config(write(tmp_path, "a: &x [1]\nb: *x\n"))
    assert "aliases" in str(info.value)


def test_missing_password_env_is_a_config_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUNCTION_TEST_NOPE", raising=False)
    text = GOOD.replace("{password: s3cret-community}", "{password_env: JUNCTION_TEST_NOPE}")
    with pytest.raises(YamlFileError) as info:
        load_config(write(tmp_path, text))
    assert "JUNCTION_TEST_NOPE" in str(info.value)
    assert info.value.errors[0].line == 12
