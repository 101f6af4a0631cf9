"""Dahua CGI requests (reference cameras.md §3.4). Channels: snapshot 1-based, PTZ and event
index 0-based; the adapter keeps one 1-based channel and converts per endpoint (§3.6)."""

from __future__ import annotations

__all__ = ["VENDOR", "DEVICE_TYPE", "SYSTEM_INFO", "SOFTWARE_VERSION", "CURRENT_TIME",
           "UPTIME", "ENCODE", "RTSP", "snapshot", "ptz", "attach"]

VENDOR = "Dahua"  # never from getVendor: cross-flashed Amcrest units report "Dahua" too
DEVICE_TYPE = "/cgi-bin/magicBox.cgi?action=getDeviceType"
SYSTEM_INFO = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
SOFTWARE_VERSION = "/cgi-bin/magicBox.cgi?action=getSoftwareVersion"
CURRENT_TIME = "/cgi-bin/global.cgi?action=getCurrentTime"
UPTIME = "/cgi-bin/magicBox.cgi?action=getUpTime"  # [I] community clients only; optional
ENCODE = "/cgi-bin/configManager.cgi?action=getConfig&name=Encode"
RTSP = "/cgi-bin/configManager.cgi?action=getConfig&name=RTSP"


def snapshot(channel: int) -> str:
    return f"/cgi-bin/snapshot.cgi?channel={channel}"


def ptz(action: str, channel: int, code: str | None = None, arg1: int = 0, arg2: int = 0,
        arg3: int = 0) -> str:
    path = f"/cgi-bin/ptz.cgi?action={action}&channel={channel}"
    if code is not None:
        path += f"&code={code}&arg1={arg1}&arg2={arg2}&arg3={arg3}"
    return path


def attach(heartbeat_s: int, codes: str = "All") -> str:
    return f"/cgi-bin/eventManager.cgi?action=attach&codes=[{codes}]&heartbeat={heartbeat_s}"
