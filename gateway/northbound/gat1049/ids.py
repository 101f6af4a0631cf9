"""GA/T 1049 identities of the gateway's signal controllers: CrossID and SignalControlerID.

Each comes from a device tag (`gat1049_cross_id`, `gat1049_controller_id` by default, names set
in the config); without one, the device id itself is used. That default is unique and stable but
not the numeric form platforms check (CrossID: 9-digit region + 5 digits; SignalControlerID:
17 digits, reference §4.4) [I], so production configs set the tags. Two devices with the same
id are a config error, raised when the server starts.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.model import DeviceConfig, DeviceKind

__all__ = ["CrossDirectory"]


class CrossDirectory:
    __slots__ = ("_cross", "_controller", "_device_by_cross", "_device_by_controller")

    def __init__(self, devices: Iterable[DeviceConfig], *, cross_tag: str,
                 controller_tag: str) -> None:
        self._cross: dict[str, str] = {}
        self._controller: dict[str, str] = {}
        self._device_by_cross: dict[str, str] = {}
        self._device_by_controller: dict[str, str] = {}
        for d in devices:
            if d.kind != DeviceKind.SIGNAL_CONTROLLER:
                continue
            cross = d.tags.get(cross_tag) or d.id
            controller = d.tags.get(controller_tag) or d.id
            for table, value, what in ((self._device_by_cross, cross, "CrossID"),
                                       (self._device_by_controller, controller,
                                        "SignalControlerID")):
                if value in table:
                    raise ValueError(f"GA/T 1049 {what} {value!r} is used by devices "
                                     f"{table[value]!r} and {d.id!r}")
                table[value] = d.id
            self._cross[d.id] = cross
            self._controller[d.id] = controller

    def cross_id(self, device_id: str) -> str | None:
        return self._cross.get(device_id)

    def controller_id(self, device_id: str) -> str | None:
        return self._controller.get(device_id)

    def device_for_cross(self, cross_id: str) -> str | None:
        return self._device_by_cross.get(cross_id)

    def device_for_controller(self, controller_id: str) -> str | None:
        return self._device_by_controller.get(controller_id)

    def devices(self) -> list[str]:
        """Device ids of every crossing, in config order."""
        return list(self._cross)
