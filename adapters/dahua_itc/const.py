"""Dahua ITC CGI paths and event vocabulary (reference enforcement.md §4, cameras.md §3)."""

from __future__ import annotations

__all__ = ["VENDOR", "SYSTEM_INFO", "SOFTWARE_VERSION", "DEVICE_TYPE", "attach_path",
           "snapshot_path", "DEFAULT_CODES", "PLATE_READ_CODES", "BOUNDARY"]

VENDOR = "Dahua"
SYSTEM_INFO = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
SOFTWARE_VERSION = "/cgi-bin/magicBox.cgi?action=getSoftwareVersion"
DEVICE_TYPE = "/cgi-bin/magicBox.cgi?action=getDeviceType"
BOUNDARY = "myboundary"
# Traffic rule names of the Dahua NetSDK (spelling as in the source: "Pedestrain").
DEFAULT_CODES = ("TrafficJunction", "TrafficRunRedLight", "TrafficRunYellowLight",
                 "TrafficPedestrainPriority", "TrafficWrongRoute", "TrafficJamForbidInto",
                 "TrafficTollGate")
# Checkpoint codes: a pass record, a violation only when TrafficCar.ViolationCode says so.
PLATE_READ_CODES = frozenset({"TrafficJunction", "TrafficTollGate"})


def attach_path(codes: tuple[str, ...] | list[str], heartbeat_s: int) -> str:
    return (f"/cgi-bin/eventManager.cgi?action=attach&codes=[{','.join(codes)}]"
            f"&heartbeat={heartbeat_s}")


def snapshot_path(channel: int) -> str:
    """`channel` as snapshot.cgi counts it (1-based on current firmware)."""
    return f"/cgi-bin/snapshot.cgi?channel={channel}&type=0"
