"""ONVIF responses to Junction's camera model: device identity, service addresses, media
profiles (Media v1 and Media2), stream URIs made safe to publish, PTZ status and presets.

Pure functions over parsed elements, so recorded device answers can be replayed through them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from adapters.onvif.codec import q, text, texts
from adapters.onvif.const import NS
from gateway.model import MediaStream
from gateway.sdk import DeviceIdentity

__all__ = ["MediaProfile", "identity", "services", "capability_xaddrs", "media1_profiles",
           "media2_profiles", "media_uri", "public_stream_uri", "PtzStatus", "ptz_status",
           "presets", "subscription_address", "stream"]

# Query parameters some firmware uses to put credentials into stream URIs.
_SECRET_PARAMS = {"user", "username", "usr", "password", "passwd", "pwd", "pass", "auth"}


@dataclass(slots=True, frozen=True)
class MediaProfile:
    token: str
    name: str
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    has_ptz: bool


def identity(body: etree._Element) -> DeviceIdentity:
    return DeviceIdentity(vendor=text(body, "tds:Manufacturer"), model=text(body, "tds:Model"),
                          firmware=text(body, "tds:FirmwareVersion"),
                          serial=text(body, "tds:SerialNumber"))


def _first_uri(value: str | None) -> str | None:
    """Devices put several XAddrs in one string or CRLF inside a URI: the first, trimmed."""
    parts = (value or "").split()
    return parts[0] if parts else None


def services(body: etree._Element) -> dict[str, str]:
    """GetServices: namespace -> XAddr."""
    out: dict[str, str] = {}
    for service in texts(body, "tds:Service"):
        namespace, xaddr = text(service, "tds:Namespace"), _first_uri(text(service,
                                                                             "tds:XAddr"))
        if namespace and xaddr:
            out[namespace] = xaddr
    return out


def capability_xaddrs(body: etree._Element) -> dict[str, str]:
    """GetCapabilities (legacy devices without GetServices): namespace -> XAddr."""
    caps = body.find(q("tds:Capabilities"))
    out: dict[str, str] = {}
    if caps is None:
        return out
    for tag, namespace in (("Device", NS["tds"]), ("Media", NS["trt"]), ("PTZ", NS["tptz"]),
                           ("Events", NS["tev"])):
        xaddr = _first_uri(text(caps, f"tt:{tag}/tt:XAddr"))
        if xaddr:
            out[namespace] = xaddr
    return out


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _codec(value: str | None) -> str | None:
    if value is None:
        return None
    upper = value.upper().replace(".", "")
    return {"H265": "H265", "HEVC": "H265", "H264": "H264", "AVC": "H264", "JPEG": "JPEG",
            "MJPEG": "JPEG", "MPEG4": "MPEG4", "MPV4-ES": "MPEG4"}.get(upper, value)


def _profile(token: str, name: str, encoder: etree._Element | None,
             has_ptz: bool) -> MediaProfile:
    return MediaProfile(
        token=token, name=name or token, codec=_codec(text(encoder, "tt:Encoding")),
        width=_int(text(encoder, "tt:Resolution/tt:Width")),
        height=_int(text(encoder, "tt:Resolution/tt:Height")),
        fps=_float(text(encoder, "tt:RateControl/tt:FrameRateLimit")), has_ptz=has_ptz)


def media1_profiles(body: etree._Element) -> list[MediaProfile]:
    out = []
    for node in texts(body, "trt:Profiles"):
        token = node.get("token")
        if token:
            out.append(_profile(token, text(node, "tt:Name") or "",
                                node.find(q("tt:VideoEncoderConfiguration")),
                                node.find(q("tt:PTZConfiguration")) is not None))
    return out


def media2_profiles(body: etree._Element) -> list[MediaProfile]:
    out = []
    for node in texts(body, "tr2:Profiles"):
        token = node.get("token")
        configs = node.find(q("tr2:Configurations"))
        if token:
            out.append(_profile(token, text(node, "tr2:Name") or "",
                                configs.find(q("tr2:VideoEncoder"))
                                if configs is not None else None,
                                configs is not None and configs.find(q("tr2:PTZ")) is not None))
    return out


def media_uri(body: etree._Element) -> str | None:
    """The Uri of a Media v1 (MediaUri/Uri) or Media2 (Uri) GetStreamUri/GetSnapshotUri."""
    return _first_uri(text(body, "trt:MediaUri/tt:Uri") or text(body, "tr2:Uri"))


_HOST_PORT = re.compile(r"^(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>\d+))?$")


def public_stream_uri(uri: str, host: str, *, rewrite_host: bool = True) -> str:
    """A stream URI fit for /state: credentials removed (userinfo and password-like query
    parameters), whitespace dropped, and the host replaced by the configured device host
    (cameras advertise LAN or stale addresses; the RTSP port and path are kept)."""
    parts = urlsplit("".join(uri.split()))
    hostport = parts.netloc.rpartition("@")[2]
    match = _HOST_PORT.match(hostport)
    port = match.group("port") if match else None
    if rewrite_host:
        name = f"[{host}]" if ":" in host else host
        hostport = f"{name}:{port}" if port else name
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if k.lower() not in _SECRET_PARAMS])
    return urlunsplit((parts.scheme, hostport, parts.path, query, parts.fragment))


def stream(profile: MediaProfile, uri: str | None) -> MediaStream:
    return MediaStream(profile=profile.token, codec=profile.codec, width=profile.width,
                       height=profile.height, fps=profile.fps, rtsp_uri=uri)


@dataclass(slots=True, frozen=True)
class PtzStatus:
    pan: float | None
    tilt: float | None
    zoom: float | None
    moving: bool


def ptz_status(body: etree._Element) -> PtzStatus:
    status = body.find(q("tptz:PTZStatus"))
    pan_tilt = status.find(f"{q('tt:Position')}/{q('tt:PanTilt')}") if status is not None \
        else None
    zoom = status.find(f"{q('tt:Position')}/{q('tt:Zoom')}") if status is not None else None
    moves = {text(status, f"tt:MoveStatus/tt:{axis}") for axis in ("PanTilt", "Zoom")}
    return PtzStatus(
        pan=_float(pan_tilt.get("x")) if pan_tilt is not None else None,
        tilt=_float(pan_tilt.get("y")) if pan_tilt is not None else None,
        zoom=_float(zoom.get("x")) if zoom is not None else None,
        moving="MOVING" in {(m or "").upper() for m in moves})


def presets(body: etree._Element) -> list[tuple[str, str]]:
    """GetPresets: (token, name) pairs; a preset without a name is named by its token."""
    out = []
    for node in texts(body, "tptz:Preset"):
        token = node.get("token")
        if token:
            out.append((token, text(node, "tt:Name") or token))
    return out


def subscription_address(body: etree._Element) -> str | None:
    return _first_uri(text(body, "tev:SubscriptionReference/wsa:Address"))
