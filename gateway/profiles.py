"""Finds, loads and checks device profiles (`profiles/<adapter>/<model>.yaml`).

A profile is checked twice over, both with the profile file's own line numbers: the common
part against `Profile`, and `options:` against the adapter's options model (a Modbus register
map, an NTCIP vendor OID). `profile_schema` turns the same models into a JSON Schema for
editors.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from gateway.adapters import AdapterCatalog
from gateway.sdk.profile import Profile
from gateway.yamlsource import SourceError, YamlFileError, load_yaml, validation_messages

__all__ = ["BUILTIN_PROFILE_DIR", "ProfileLibrary", "load_profile", "profile_id_for",
           "profile_schema"]

_PROFILE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}/[a-z0-9][a-z0-9_.-]{0,62}$")

# The repository's profiles/ folder (an editable install keeps it beside the package).
BUILTIN_PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


def profile_id_for(path: Path) -> str:
    """`profiles/modbus/tsc.yaml` -> `modbus/tsc` (the folder above the file names the adapter)."""
    return f"{path.parent.name}/{path.stem}"


def load_profile(path: Path, profile_id: str, catalog: AdapterCatalog | None = None) -> Profile:
    """Load and check one profile. Raises YamlFileError listing every problem with its line."""
    located = load_yaml(path)
    data = located.data
    if not isinstance(data, dict):
        raise YamlFileError([located.error((), "a profile must be a mapping")])
    if data.get("id", profile_id) != profile_id:
        raise YamlFileError([located.error(("id",), f"id must be {profile_id!r} (its path)")])
    errors = []
    profile: Profile | None = None
    try:
        profile = Profile.model_validate({"id": profile_id, **data})
    except ValidationError as err:
        errors.extend(validation_messages(located, err))
    catalog = catalog or AdapterCatalog.discover()
    adapter_name = data.get("adapter")
    adapter = catalog.get(adapter_name) if isinstance(adapter_name, str) else None
    if adapter is None and isinstance(adapter_name, str):
        known = ", ".join(catalog.names()) or "none installed"
        errors.append(located.error(("adapter",), f"unknown adapter {adapter_name!r} "
                                                  f"(known: {known})"))
    model = adapter.info.options_model if adapter is not None else None
    if model is not None and isinstance(data.get("options", {}), dict):
        try:
            model.model_validate(data.get("options", {}))
        except ValidationError as err:
            errors.extend(validation_messages(located, err, ("options",)))
    if errors or profile is None:
        raise YamlFileError(sorted(errors, key=lambda e: (e.line or 0, e.column or 0)))
    return profile


def profile_schema(catalog: AdapterCatalog, adapter_name: str) -> dict[str, Any]:
    """JSON Schema of a profile for one adapter: the common keys plus its options model."""
    adapter = catalog.get(adapter_name)
    if adapter is None:
        raise KeyError(adapter_name)
    schema = Profile.model_json_schema()
    schema["title"] = f"Junction device profile ({adapter_name})"
    schema["properties"]["adapter"] = {"const": adapter_name}
    schema["properties"].pop("id", None)
    schema["required"] = [r for r in schema.get("required", []) if r != "id"]
    model = adapter.info.options_model
    if model is not None:
        options = model.model_json_schema(ref_template="#/$defs/{model}")
        schema.setdefault("$defs", {}).update(options.pop("$defs", {}))
        schema["properties"]["options"] = options
    return schema


class ProfileLibrary:
    __slots__ = ("_dirs", "_cache", "_catalog")

    def __init__(self, extra_dirs: list[Path] | None = None,
                 catalog: AdapterCatalog | None = None) -> None:
        self._dirs = [*(extra_dirs or []), BUILTIN_PROFILE_DIR]
        self._cache: dict[str, Profile] = {}
        self._catalog = catalog

    def get(self, profile_id: str) -> Profile:
        if profile_id in self._cache:
            return self._cache[profile_id]
        if not _PROFILE_ID.match(profile_id):
            raise YamlFileError([SourceError(profile_id, None, None, "",
                                             "invalid profile id: use <adapter>/<name>, "
                                             "lowercase letters, digits, '-' and '_'")])
        for directory in self._dirs:
            path = directory / f"{profile_id}.yaml"
            if path.is_file():
                profile = load_profile(path, profile_id, self._catalog)
                self._cache[profile_id] = profile
                return profile
        searched = ", ".join(str(d) for d in self._dirs)
        raise YamlFileError([SourceError(profile_id, None, None, "",
                                         f"not found (searched {searched})")])
