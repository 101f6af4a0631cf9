"""Profiles: `junction check-profile` reports every error with its line; the committed JSON
Schemas match the models they are generated from."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.adapters import AdapterCatalog
from gateway.profiles import BUILTIN_PROFILE_DIR, load_profile, profile_id_for, profile_schema
from gateway.yamlsource import YamlFileError

BAD = """\
adapter: ntcip
kind: signal_controller
vendor: X
model: Y
port: 70000
options:
  version: v3
  backup_time_s: 2
  bogus: 1
"""


def test_every_profile_error_has_its_line(tmp_path: Path) -> None:
    path = tmp_path / "ntcip" / "bad.yaml"
    path.parent.mkdir()
    path.write_text(BAD)
    with pytest.raises(YamlFileError) as info:
        load_profile(path, profile_id_for(path))
    found = [(e.line, e.path) for e in info.value.errors]
    assert found == [(5, "port"), (7, "options.version"), (8, "options.backup_time_s"),
                     (9, "options.bogus")]


def test_builtin_profiles_load_and_schemas_are_current() -> None:
    catalog = AdapterCatalog.discover()
    folders = [d for d in BUILTIN_PROFILE_DIR.iterdir() if d.is_dir()]
    assert folders
    for folder in folders:
        for path in folder.glob("*.yaml"):
            profile = load_profile(path, profile_id_for(path), catalog)
            assert profile.adapter == folder.name
        if catalog.get(folder.name) is None:
            continue
        committed = json.loads((folder / "profile.schema.json").read_text())
        assert committed == profile_schema(catalog, folder.name), (
            f"regenerate: junction profile-schema {folder.name} > "
            f"profiles/{folder.name}/profile.schema.json")
