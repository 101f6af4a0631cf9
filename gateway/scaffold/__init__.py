"""`junction new-adapter NAME --kind KIND`: a new protocol's folders, ready to fill in.

An engineer adding a vendor should not have to read the gateway first. This writes the three
folders every adapter has (design brief: one adapter = one folder, like a Telegraf plugin):
adapters/NAME/ (the adapter class with the capability methods of its kind, raising
NotImplementedError until written; const, README, sample config entry), profiles/NAME/generic.yaml,
simulators/NAME/ (a working JSON-lines stand-in with fault switches, and the conformance kit's
handle on it) and tests/adapters/NAME/ (the kit, whose failures name the next method to write).
Templates are files in gateway/scaffold/templates/; nothing existing is ever overwritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from gateway.model import DeviceKind

__all__ = ["ScaffoldError", "scaffold", "next_steps"]

TEMPLATES = Path(__file__).resolve().parent / "templates"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,23}$")


class ScaffoldError(Exception):
    """A bad name or kind, or a folder that already exists."""


@dataclass(frozen=True, slots=True)
class _Kind:
    text: str
    state: str
    capabilities: tuple[str, ...]
    commands: tuple[str, ...]
    initial_mode: str
    trigger: str


_SIGNAL_TRIGGER = '''\
        """Flip the controller between coordinated and flash: the next poll sees a new mode."""
        self.sim.mode = "flash" if self.sim.mode == "coordinated" else "coordinated"
        return EventType.SIGNAL_MODE_CHANGED'''
_CAMERA_TRIGGER = '''\
        """Raise a motion alarm on the simulator; the adapter's stream_events() emits it."""
        raise NotImplementedError("give the simulator a motion alarm the adapter can receive, "
                                  "raise it here and return EventType.CAMERA_MOTION")'''
_SIGNAL_STATE = '''
    def phases(self) -> list[dict[str, Any]]:
        """Four phases: 2 and 6 green for 20 s, then 4 and 8 (or all flashing yellow)."""
        if self.mode == "flash":
            return [{"number": n, "vehicle": "yellow_flash"} for n in (2, 4, 6, 8)]
        main = int(self.clock() - self.boot_time) % 40 < 20
        return [{"number": n, "vehicle": "green" if (n in (2, 6)) == main else "red"}
                for n in (2, 4, 6, 8)]
'''
_KINDS = {
    DeviceKind.SIGNAL_CONTROLLER: _Kind(
        "signal controller", "SignalControllerState", ("READ_STATE", "COMMANDS"),
        ("SET_PATTERN", "SET_MODE", "RELEASE"), "coordinated", _SIGNAL_TRIGGER),
    DeviceKind.CAMERA: _Kind(
        "camera", "CameraState", ("READ_STATE", "COMMANDS", "EVENTS"),
        ("PTZ_MOVE", "PTZ_STOP", "GOTO_PRESET"), "normal", _CAMERA_TRIGGER),
    DeviceKind.ENFORCEMENT_CAMERA: _Kind(
        "enforcement camera", "CameraState", ("READ_STATE", "EVENTS"), (), "normal",
        _CAMERA_TRIGGER),
}

_EXECUTE = '''
    async def execute(self, command: Command) -> CommandResult:
        """Carry out a validated command: {commands}.
        Raise InvalidArguments (422) for arguments the device cannot take, CommandRejected
        (409) when it refuses or does not do it, transport errors otherwise.{failsafe}"""
        raise NotImplementedError(f"send {{command.name.value}} to the device and confirm it")
'''
_FAILSAFE = ("\n        Central control of a signal must arm the controller's fail-safe (a backup "
             "timer or\n        heartbeat) so it reverts to local timing if the gateway "
             "stops.")
_EVENTS = '''
    async def stream_events(self) -> None:
        """Receive the device's own events (alarm stream, pushes) for as long as the link
        lasts; hand each to `self._ctx.emit(EventType.CAMERA_MOTION, {{...}})`. Return or raise
        when it ends: the gateway restarts it with jittered backoff."""
        raise NotImplementedError("subscribe to the device's events and emit each")
'''
_FILES = (
    ("init.py.tmpl", "adapters/{name}/__init__.py"),
    ("adapter.py.tmpl", "adapters/{name}/adapter.py"),
    ("const.py.tmpl", "adapters/{name}/const.py"),
    ("sample.yaml.tmpl", "adapters/{name}/sample.yaml"),
    ("README.md.tmpl", "adapters/{name}/README.md"),
    ("profile.yaml.tmpl", "profiles/{name}/generic.yaml"),
    ("init.py.tmpl", "simulators/{name}/__init__.py"),
    ("simulator.py.tmpl", "simulators/{name}/device.py"),
    ("handle.py.tmpl", "simulators/{name}/handle.py"),
    ("test_conformance.py.tmpl", "tests/adapters/{name}/test_{name}_conformance.py"),
)


def _values(name: str, kind: DeviceKind) -> dict[str, str]:
    spec = _KINDS[kind]
    signal = kind == DeviceKind.SIGNAL_CONTROLLER
    camel = "".join(part.capitalize() for part in name.split("_"))
    extra = ""
    model = ["DeviceKind", spec.state]
    sdk = ""
    if "COMMANDS" in spec.capabilities:
        failsafe = _FAILSAFE if kind == DeviceKind.SIGNAL_CONTROLLER else ""
        extra += _EXECUTE.format(commands=", ".join(c.lower() for c in spec.commands),
                                 failsafe=failsafe)
        model = ["Command", "CommandName", *model]
        sdk = "    CommandResult,\n"
    if "EVENTS" in spec.capabilities:
        extra += _EVENTS.format()
    return {
        "name": name, "Name": camel, "NAME": name.upper(), "name_slug": name.replace("_", "-"),
        "Title": f"{camel} {spec.text}s", "kind": kind.value, "KIND": kind.name,
        "kind_text": spec.text, "state_type": spec.state,
        "model_imports": ", ".join(sorted(model)), "sdk_imports": sdk,
        "capabilities": ", ".join(f"Capability.{c}" for c in spec.capabilities),
        "commands": ", ".join(f"CommandName.{c}" for c in spec.commands),
        "extra_methods": extra, "initial_mode": spec.initial_mode, "trigger": spec.trigger,
        "status_extra": ', "phases": self.phases()' if signal else "",
        "state_methods": _SIGNAL_STATE if signal else "",
    }


def _render(template: str, values: dict[str, str]) -> str:
    text = (TEMPLATES / template).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@@{key}@@", value)
    if "@@" in text:
        raise ScaffoldError(f"template {template} has an unknown placeholder")
    return text


def scaffold(name: str, kind: DeviceKind | str, root: Path) -> list[Path]:
    """Write a new adapter's folders under `root` (the repository); returns the files written.
    Raises ScaffoldError for a bad name or kind or if any target already exists."""
    if not NAME.match(name):
        raise ScaffoldError(f"adapter name {name!r}: use 2-24 lowercase letters, digits or '_', "
                            "starting with a letter (it becomes a Python package)")
    try:
        kind = DeviceKind(kind)
    except ValueError:
        raise ScaffoldError(f"kind {kind!r}: one of "
                            f"{', '.join(k.value for k in DeviceKind)}") from None
    values = _values(name, kind)
    targets = [(template, root / path.format(name=name)) for template, path in _FILES]
    existing = [str(t) for _, t in targets if t.exists()]
    existing += [str(root / d / name) for d in ("adapters", "simulators", "tests/adapters")
                 if (root / d / name).exists()]
    if existing:
        raise ScaffoldError("already exists, nothing written: " + ", ".join(sorted(existing)))
    sample = _render("sample.yaml.tmpl", values)
    values["sample"] = "".join(line + "\n" for line in sample.splitlines()
                               if not line.startswith("#"))
    rendered = [(target, _render(template, values)) for template, target in targets]
    for package in ("adapters", "simulators"):  # as in the repository: regular packages
        init = root / package / "__init__.py"
        if not init.exists():
            rendered.append((init, ""))
    for target, text in rendered:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return [target for target, _ in rendered]


def next_steps(name: str) -> str:
    camel = "".join(part.capitalize() for part in name.split("_"))
    return (f"Next:\n"
            f"  1. python -m pytest tests/adapters/{name} -q   (every check fails, naming the "
            f"method to write)\n"
            f"  2. fill in adapters/{name}/adapter.py, then simulators/{name}/device.py for "
            f"the real protocol\n"
            f"  3. declare it in pyproject.toml so the gateway finds it:\n"
            f"       [project.entry-points.\"junction.adapters\"]\n"
            f"       {name} = \"adapters.{name}.adapter:{camel}Adapter\"\n"
            f"     then `pip install -e .` and `junction adapters`\n"
            f"  4. write adapters/{name}/README.md (devices checked, quirks) - see "
            f"docs/writing-an-adapter.md")
