"""Finds and loads device profiles (`profiles/<adapter>/<model>.yaml`), with line numbers."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from gateway.sdk.profile import Profile
from gateway.yamlsource import SourceError, YamlFileError, load_yaml, validation_messages

__all__ = ["BUILTIN_PROFILE_DIR", "ProfileLibrary", "load_profile"]

# The repository's profiles/ folder (an editable install keeps it beside the package).
BUILTIN_PROFILE_DIR = Path(__file__).resolve().parent.parent / "profiles"


def load_profile(path: Path, profile_id: str) -> Profile:
    located = load_yaml(path)
    data = located.data
    if not isinstance(data, dict):
        raise YamlFileError([located.error((), "a profile must be a mapping")])
    if data.get("id", profile_id) != profile_id:
        raise YamlFileError([located.error(("id",), f"id must be {profile_id!r} (its path)")])
    try:
        return Profile.model_validate({"id": profile_id, **data})
    except ValidationError as err:
        raise YamlFileError(validation_messages(located, err)) from None


class ProfileLibrary:
    __slots__ = ("_dirs", "_cache")

    def __init__(self, extra_dirs: list[Path] | None = None) -> None:
        self._dirs = [*(extra_dirs or []), BUILTIN_PROFILE_DIR]
        self._cache: dict[str, Profile] = {}

    def get(self, profile_id: str) -> Profile:
        if profile_id in self._cache:
            return self._cache[profile_id]
        if ".." in profile_id.split("/") or profile_id.startswith("/"):
            raise YamlFileError([SourceError(profile_id, None, None, "", "invalid profile id")])
        for directory in self._dirs:
            path = directory / f"{profile_id}.yaml"
            if path.is_file():
                profile = load_profile(path, profile_id)
                self._cache[profile_id] = profile
                return profile
        searched = ", ".join(str(d) for d in self._dirs)
        raise YamlFileError([SourceError(profile_id, None, None, "",
                                         f"not found (searched {searched})")])
