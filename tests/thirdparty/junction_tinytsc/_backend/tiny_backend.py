"""A minimal in-tree PEP 517 build backend: builds this package's pure-Python wheel with the
standard library alone, so the test installs it with no network and no setuptools/wheel.
(A real vendor package would use setuptools, hatchling or flit; the wheel is the same.)"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _project() -> dict[str, Any]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    project: dict[str, Any] = data["project"]
    return project


def _metadata(project: dict[str, Any]) -> dict[str, str]:
    lines = ["Metadata-Version: 2.1", f"Name: {project['name']}",
             f"Version: {project['version']}", f"Summary: {project.get('description', '')}",
             f"Requires-Python: {project.get('requires-python', '>=3')}"]
    lines += [f"Requires-Dist: {dep}" for dep in project.get("dependencies", [])]
    entry_points = "".join(
        f"[{group}]\n" + "".join(f"{name} = {target}\n" for name, target in items.items())
        + "\n" for group, items in project.get("entry-points", {}).items())
    return {"METADATA": "\n".join(lines) + "\n", "entry_points.txt": entry_points,
            "WHEEL": "Wheel-Version: 1.0\nGenerator: tiny_backend\nRoot-Is-Purelib: true\n"
                     "Tag: py3-none-any\n"}


def _dist(project: dict[str, Any]) -> str:
    return f"{project['name'].replace('-', '_')}-{project['version']}"


def get_requires_for_build_wheel(config_settings: Any = None) -> list[str]:
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str,
                                     config_settings: Any = None) -> str:
    project = _project()
    info = Path(metadata_directory) / f"{_dist(project)}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    for name, text in _metadata(project).items():
        (info / name).write_text(text, encoding="utf-8")
    return info.name


def build_wheel(wheel_directory: str, config_settings: Any = None,
                metadata_directory: str | None = None) -> str:
    project = _project()
    dist = _dist(project)
    files: dict[str, bytes] = {}
    for package in project.get("packages", ["junction_tinytsc"]):
        for path in sorted((ROOT / package).rglob("*.py")):
            files[path.relative_to(ROOT).as_posix()] = path.read_bytes()
    for name, text in _metadata(project).items():
        files[f"{dist}.dist-info/{name}"] = text.encode()
    record = [f"{name},sha256={_digest(data)},{len(data)}" for name, data in files.items()]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join([*record, f"{dist}.dist-info/RECORD,,"])
                                         + "\n").encode()
    wheel = f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(Path(wheel_directory) / wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
