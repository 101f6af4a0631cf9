"""Device service and Media v1 / Media2 operations of the simulated camera.

Media v1 cannot describe H.265 (its VideoEncoding enumeration is JPEG, MPEG4, H264), so, as on
real Profile T cameras, an H.265 profile is only visible through Media2; a `media1_only` device
has no Media2 service at all and shows only its H.264/JPEG profiles.
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from simulators.camera.model import StreamProfile
from simulators.onvif.context import Ctx, Handler, no_profile
from simulators.onvif.soap import NS, Request, SoapFault, el, q, sub

__all__ = ["DEVICE", "MEDIA1", "MEDIA2", "SERVICE_PATHS"]

SERVICE_PATHS: dict[str, str] = {
    "device": "/onvif/device_service", "media": "/onvif/media_service",
    "media2": "/onvif/media2_service", "ptz": "/onvif/ptz_service",
    "events": "/onvif/event_service",
}
_SERVICE_NS = {"device": "tds", "media": "trt", "media2": "tr2", "ptz": "tptz", "events": "tev"}
_VERSIONS = {"device": (2, 60), "media": (2, 60), "media2": (2, 60), "ptz": (2, 60),
             "events": (2, 60)}


def services_offered(ctx: Ctx) -> list[str]:
    names = ["device", "media"]
    if not ctx.quirks.media1_only:
        names.append("media2")
    if ctx.model.config.has_ptz:
        names.append("ptz")
    names.append("events")
    return names


# -- device service ---------------------------------------------------------------------------

def _date_time(epoch: float, tag: str) -> etree._Element:
    t = datetime.fromtimestamp(epoch, UTC)
    return el(tag,
              el("tt:Time", sub("tt:Hour", str(t.hour)), sub("tt:Minute", str(t.minute)),
                 sub("tt:Second", str(t.second))),
              el("tt:Date", sub("tt:Year", str(t.year)), sub("tt:Month", str(t.month)),
                 sub("tt:Day", str(t.day))))


def get_system_date_and_time(ctx: Ctx, req: Request) -> list[etree._Element]:
    now = ctx.model.device_time()
    return [el("tds:GetSystemDateAndTimeResponse", el(
        "tds:SystemDateAndTime", sub("tt:DateTimeType", "Manual"),
        sub("tt:DaylightSavings", "false"), el("tt:TimeZone", sub("tt:TZ", "UTC0")),
        _date_time(now, "tt:UTCDateTime"), _date_time(now, "tt:LocalDateTime")))]


def get_device_information(ctx: Ctx, req: Request) -> list[etree._Element]:
    c = ctx.model.config
    return [el("tds:GetDeviceInformationResponse", sub("tds:Manufacturer", c.manufacturer),
               sub("tds:Model", c.model), sub("tds:FirmwareVersion", c.firmware),
               sub("tds:SerialNumber", c.serial), sub("tds:HardwareId", c.hardware_id))]


def get_services(ctx: Ctx, req: Request) -> list[etree._Element]:
    out = el("tds:GetServicesResponse")
    for name in services_offered(ctx):
        major, minor = _VERSIONS[name]
        out.append(el("tds:Service", sub("tds:Namespace", NS[_SERVICE_NS[name]]),
                      sub("tds:XAddr", ctx.url(SERVICE_PATHS[name])),
                      el("tds:Version", sub("tt:Major", str(major)),
                         sub("tt:Minor", str(minor)))))
    return [out]


def get_capabilities(ctx: Ctx, req: Request) -> list[etree._Element]:
    """Legacy discovery: never lists Media2 (that is what GetServices is for)."""
    caps = el("tds:Capabilities",
              el("tt:Device", sub("tt:XAddr", ctx.url(SERVICE_PATHS["device"]))),
              el("tt:Events", sub("tt:XAddr", ctx.url(SERVICE_PATHS["events"])),
                 sub("tt:WSSubscriptionPolicySupport", "false"),
                 sub("tt:WSPullPointSupport", "true"),
                 sub("tt:WSPausableSubscriptionManagerInterfaceSupport", "false")),
              el("tt:Media", sub("tt:XAddr", ctx.url(SERVICE_PATHS["media"])),
                 el("tt:StreamingCapabilities", sub("tt:RTPMulticast", "false"),
                    sub("tt:RTP_TCP", "true"), sub("tt:RTP_RTSP_TCP", "true"))))
    if ctx.model.config.has_ptz:
        caps.append(el("tt:PTZ", sub("tt:XAddr", ctx.url(SERVICE_PATHS["ptz"]))))
    return [el("tds:GetCapabilitiesResponse", caps)]


def get_scopes(ctx: Ctx, req: Request) -> list[etree._Element]:
    c = ctx.model.config
    scopes = ["onvif://www.onvif.org/Profile/Streaming", f"onvif://www.onvif.org/name/{c.id}",
              f"onvif://www.onvif.org/hardware/{c.model}"]
    if not ctx.quirks.media1_only:
        scopes.append("onvif://www.onvif.org/Profile/T")
    return [el("tds:GetScopesResponse", *[
        el("tds:Scopes", sub("tt:ScopeDef", "Fixed"), sub("tt:ScopeItem", s)) for s in scopes])]


def get_hostname(ctx: Ctx, req: Request) -> list[etree._Element]:
    return [el("tds:GetHostnameResponse", el("tds:HostnameInformation",
                                              sub("tt:FromDHCP", "false"),
                                              sub("tt:Name", ctx.model.config.id)))]


DEVICE: dict[str, tuple[Handler, bool]] = {  # operation -> (handler, PRE_AUTH)
    "GetSystemDateAndTime": (get_system_date_and_time, True),
    "GetServices": (get_services, True),
    "GetCapabilities": (get_capabilities, True),
    "GetHostname": (get_hostname, True),
    "GetDeviceInformation": (get_device_information, False),
    "GetScopes": (get_scopes, False),
}


# -- media ------------------------------------------------------------------------------------

def _stream_uri(ctx: Ctx, profile: StreamProfile) -> str:
    creds = f"{ctx.username}:{ctx.password}@" if ctx.quirks.credentials_in_uris else ""
    return (f"rtsp://{creds}{ctx.rtsp_host()}/Streaming/Channels/"
            f"{profile.channel}0{profile.stream}?transportmode=unicast")


def _snapshot_uri(ctx: Ctx, profile: StreamProfile) -> str:
    if not ctx.quirks.snapshot:
        raise SoapFault("Receiver", ("ter:ActionNotSupported",), "snapshots are not supported")
    return ctx.url(f"/onvif/snapshot?token={profile.token}")


def _token(req: Request) -> str | None:
    return req.body.findtext(f"{{{req.namespace}}}ProfileToken")


def _video_source(profile: StreamProfile, tag: str) -> etree._Element:
    c = profile.channel
    return el(tag, sub("tt:Name", f"VideoSource{c}"), sub("tt:UseCount", "2"),
              sub("tt:SourceToken", f"vs{c}"),
              el("tt:Bounds", x="0", y="0", width=str(profile.width),
                 height=str(profile.height)), token=f"vsc{c}")


def _ptz_config(ctx: Ctx, tag: str) -> etree._Element | None:
    if not ctx.model.config.has_ptz:
        return None
    return el(tag, sub("tt:Name", "PTZ"), sub("tt:UseCount", "2"), sub("tt:NodeToken", "ptz0"),
              token="ptz0")


def media1_profiles(ctx: Ctx, req: Request) -> list[etree._Element]:
    out = el("trt:GetProfilesResponse")
    for p in ctx.model.config.profiles:
        if p.codec not in ("H264", "JPEG"):
            continue  # Media v1 cannot describe H.265
        encoder = el(
            "tt:VideoEncoderConfiguration", sub("tt:Name", p.name), sub("tt:UseCount", "1"),
            sub("tt:Encoding", p.codec),
            el("tt:Resolution", sub("tt:Width", str(p.width)), sub("tt:Height", str(p.height))),
            sub("tt:Quality", "4"),
            el("tt:RateControl", sub("tt:FrameRateLimit", f"{p.fps:g}"),
               sub("tt:EncodingInterval", "1"), sub("tt:BitrateLimit", "4096")),
            el("tt:H264", sub("tt:GovLength", "50"), sub("tt:H264Profile", "Main"))
            if p.codec == "H264" else None,
            el("tt:Multicast", el("tt:Address", sub("tt:Type", "IPv4"),
                                  sub("tt:IPv4Address", "0.0.0.0")),
               sub("tt:Port", "0"), sub("tt:TTL", "0"), sub("tt:AutoStart", "false")),
            sub("tt:SessionTimeout", "PT60S"), token=f"vec-{p.token}")
        node = el("trt:Profiles", sub("tt:Name", p.name),
                  _video_source(p, "tt:VideoSourceConfiguration"), encoder,
                  _ptz_config(ctx, "tt:PTZConfiguration"), token=p.token, fixed="true")
        out.append(node)
    return [out]


def _media_uri(uri: str) -> etree._Element:
    return el("trt:MediaUri", sub("tt:Uri", uri), sub("tt:InvalidAfterConnect", "false"),
              sub("tt:InvalidAfterReboot", "false"), sub("tt:Timeout", "PT0S"))


def media1_stream_uri(ctx: Ctx, req: Request) -> list[etree._Element]:
    profile = ctx.profile(_token(req))
    if profile.codec not in ("H264", "JPEG"):
        raise no_profile(profile.token)
    return [el("trt:GetStreamUriResponse", _media_uri(_stream_uri(ctx, profile)))]


def media1_snapshot_uri(ctx: Ctx, req: Request) -> list[etree._Element]:
    profile = ctx.profile(_token(req))
    return [el("trt:GetSnapshotUriResponse", _media_uri(_snapshot_uri(ctx, profile)))]


MEDIA1: dict[str, tuple[Handler, bool]] = {
    "GetProfiles": (media1_profiles, False),
    "GetStreamUri": (media1_stream_uri, False),
    "GetSnapshotUri": (media1_snapshot_uri, False),
}


def media2_profiles(ctx: Ctx, req: Request) -> list[etree._Element]:
    wanted = req.body.findtext(q("tr2:Token"))
    out = el("tr2:GetProfilesResponse")
    for p in ctx.model.config.profiles:
        if wanted and p.token != wanted:
            continue
        encoder = el(
            "tr2:VideoEncoder", sub("tt:Name", p.name), sub("tt:UseCount", "1"),
            sub("tt:Encoding", p.codec),
            el("tt:Resolution", sub("tt:Width", str(p.width)), sub("tt:Height", str(p.height))),
            el("tt:RateControl", sub("tt:FrameRateLimit", f"{p.fps:g}"),
               sub("tt:BitrateLimit", "4096"), ConstantBitRate="false"),
            sub("tt:Quality", "4"), token=f"vec-{p.token}", GovLength="50",
            Profile="Main")
        out.append(el("tr2:Profiles", sub("tr2:Name", p.name), el(
            "tr2:Configurations", _video_source(p, "tr2:VideoSource"), encoder,
            _ptz_config(ctx, "tr2:PTZ")), token=p.token, fixed="true"))
    if wanted and len(out) == 0:
        raise no_profile(wanted)
    return [out]


def media2_stream_uri(ctx: Ctx, req: Request) -> list[etree._Element]:
    protocol = req.body.findtext(q("tr2:Protocol")) or ""
    if protocol not in ("RtspUnicast", "RTSP", "RtspOverHttp"):
        raise SoapFault("Sender", ("ter:InvalidArgVal", "ter:InvalidStreamSetup"),
                        f"stream protocol {protocol!r} is not supported")
    profile = ctx.profile(_token(req))
    return [el("tr2:GetStreamUriResponse", sub("tr2:Uri", _stream_uri(ctx, profile)))]


def media2_snapshot_uri(ctx: Ctx, req: Request) -> list[etree._Element]:
    profile = ctx.profile(_token(req))
    return [el("tr2:GetSnapshotUriResponse", sub("tr2:Uri", _snapshot_uri(ctx, profile)))]


MEDIA2: dict[str, tuple[Handler, bool]] = {
    "GetProfiles": (media2_profiles, False),
    "GetStreamUri": (media2_stream_uri, False),
    "GetSnapshotUri": (media2_snapshot_uri, False),
}
