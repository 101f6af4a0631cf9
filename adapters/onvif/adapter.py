"""ONVIF cameras (Profile S and T): state, streams, snapshots, PTZ commands and pull-point events.

SOAP envelopes are built and read with lxml over aiohttp (see README, "Library choice"). The
camera clock is measured without credentials (GetSystemDateAndTime) on every poll and applied
to WS-UsernameToken timestamps; the authentication scheme is chosen from the device's answer
and cached (soap.py). Service addresses come from GetServices and Media2 is preferred, so
H.265 profiles are seen; the adapter only ever connects to the configured host and port.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import ClassVar, Literal

import aiohttp
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from adapters.onvif import events, lpr, mapping
from adapters.onvif.codec import el
from adapters.onvif.const import NS, Level
from adapters.onvif.soap import AuthMode, FaultError, SoapClient, new_session
from gateway.model import (
    CameraState,
    Command,
    CommandName,
    DeviceKind,
    MediaStream,
    PtzState,
)
from gateway.sdk import (
    AdapterContext,
    AdapterInfo,
    Capability,
    CommandRejected,
    CommandResult,
    ConfigError,
    DecodeError,
    DeviceIdentity,
    DeviceTimeout,
    InvalidArguments,
    ProtocolError,
    Reading,
    Snapshot,
    Unsupported,
)

__all__ = ["OnvifOptions", "OnvifAdapter"]

log = logging.getLogger(__name__)


class OnvifOptions(BaseModel):
    """Per-profile / per-device settings (profile `options:`, overridden by the device's)."""

    model_config = ConfigDict(extra="forbid")

    auth: Literal["auto", "digest", "wsse", "none"] = Field(
        default="auto", description="auto: chosen from the device's answer, then cached")
    prefer_media2: bool = Field(default=True, description="use Media2 when GetServices has it")
    stream_protocol: Literal["RtspUnicast", "RTSP"] = Field(
        default="RtspUnicast", description="Media2 GetStreamUri protocol (RTSP = RTP/RTSP/TCP)")
    rewrite_stream_host: bool = Field(
        default=True, description="replace the host of stream URIs by the configured host")
    device_path: str = Field(default="/onvif/device_service", pattern=r"^/")
    refresh_s: float = Field(default=300.0, ge=5, le=86400,
                             description="re-read profiles, stream URIs and presets")
    events: bool = True
    subscription_ttl_s: int = Field(default=60, ge=2, le=86400)
    renew_fraction: float = Field(default=0.8, ge=0.3, le=0.95)
    pull_timeout_s: float = Field(default=20.0, ge=1, le=60)
    pull_message_limit: int = Field(default=50, ge=1, le=1000)
    ptz_move_timeout_s: float = Field(
        default=10.0, ge=0, le=600,
        description="ContinuousMove Timeout: the camera stops by itself (0: never)")
    ptz_profile: str | None = Field(default=None, description="media profile token for PTZ")
    lpr_event_properties: bool = Field(
        default=True, description="read GetEventProperties at open to learn which topics "
        "carry licence-plate reads (Profile M)")
    lpr_topics: list[str] = Field(
        default_factory=list, description="more topics to treat as plate reads, matched by "
        "path whatever the prefix, e.g. 'tnsaxis:CameraApplicationPlatform/LPR'")
    lpr_violation_code: str = Field(
        default="plate_read", min_length=1, description="violation code of a plate read "
        "stored by an enforcement_camera")
    lpr_rule_codes: dict[str, str] = Field(
        default_factory=dict, description="LPR rule name -> violation code (overrides "
        "lpr_violation_code for reads of that rule)")
    lpr_speed_unit: Literal["kmh", "ms"] = Field(
        default="kmh", description="unit of the Speed data item of plate reads")


async def _close_session(session: aiohttp.ClientSession) -> None:
    await session.close()


class OnvifAdapter:
    info: ClassVar[AdapterInfo] = AdapterInfo(
        name="onvif",
        title="ONVIF cameras (Profile S/T: Media2, PTZ, pull-point events; Profile M plate "
              "reads)",
        protocols=("onvif", "soap-1.2", "http-digest", "ws-usernametoken"),
        kinds=(DeviceKind.CAMERA, DeviceKind.ENFORCEMENT_CAMERA),
        capabilities=frozenset({Capability.READ_STATE, Capability.COMMANDS, Capability.EVENTS,
                                Capability.SNAPSHOT}),
        commands=frozenset({CommandName.PTZ_MOVE, CommandName.PTZ_STOP,
                            CommandName.GOTO_PRESET}),
        default_port=80,
        options_model=OnvifOptions,
    )

    def __init__(self, context: AdapterContext) -> None:
        self._ctx = context
        self._opts = OnvifOptions.model_validate(context.options)
        self._soap: SoapClient | None = None
        self._paths: dict[str, str] = {}  # service namespace -> path on the configured host
        self._media2 = False
        self._profiles: list[mapping.MediaProfile] = []
        self._streams: list[MediaStream] = []
        self._snapshot_uri: str | None = None
        self._presets: list[tuple[str, str]] = []
        self._ptz_token: str | None = None
        self._media_problems: tuple[str, ...] = ()
        self._refreshed_at = 0.0
        self._pump: events.EventPump | None = None
        self._pullpoint: events.PullPoint | None = None
        self.lpr_topics = lpr.LprTopics(configured=self._opts.lpr_topics)

    # -- lifecycle ----------------------------------------------------------------------------

    def _require(self) -> SoapClient:
        if self._soap is None:
            raise ConfigError("adapter not opened")
        return self._soap

    async def open(self) -> DeviceIdentity:
        device = self._ctx.device
        session = await self._ctx.shared.get("http", new_session, _close_session)
        creds = device.credentials
        pinned = None if self._opts.auth == "auto" else AuthMode(self._opts.auth)
        self._soap = soap = SoapClient(
            session, device.endpoint.host, self._ctx.port or 80,
            creds.username if creds else None, creds.secret() if creds else None,
            timeout_s=device.poll.timeout_s, mode=pinned, diagnostics=self._ctx.diagnostics,
            device_path=self._opts.device_path)
        await soap.sync_clock()
        await self._discover(soap)
        info = await soap.call(self._opts.device_path, NS["tds"], el("tds:GetDeviceInformation"))
        await self._refresh_media(soap)
        await self._read_event_properties(soap)
        plates = lpr.PlateReads(self._ctx, self.lpr_topics, code=self._opts.lpr_violation_code,
                                rule_codes=self._opts.lpr_rule_codes,
                                speed_unit=self._opts.lpr_speed_unit)
        self._pump = events.EventPump(soap, self._ctx.emit, device.id, plates)
        log.info("device=%s event=opened auth=%s media=%s clock_offset_s=%.3f", device.id,
                 soap.mode, "media2" if self._media2 else "media1",
                 soap.offset.total_seconds())
        return mapping.identity(info)

    async def _discover(self, soap: SoapClient) -> None:
        try:
            answer = await soap.call(self._opts.device_path, NS["tds"], el(
                "tds:GetServices", el("tds:IncludeCapability", "false")))
            xaddrs = mapping.services(answer)
        except (DecodeError, ProtocolError):  # a device without GetServices
            xaddrs = {}
        if NS["trt"] not in xaddrs and NS["tr2"] not in xaddrs:  # legacy: GetCapabilities
            answer = await soap.call(self._opts.device_path, NS["tds"], el(
                "tds:GetCapabilities", el("tds:Category", "All")))
            xaddrs.update(mapping.capability_xaddrs(answer))
        self._paths = {ns: soap.path(uri) for ns, uri in xaddrs.items()}
        self._media2 = self._opts.prefer_media2 and NS["tr2"] in self._paths
        if not self._media2 and NS["trt"] not in self._paths:
            raise Unsupported("device offers neither Media nor Media2")

    async def _read_event_properties(self, soap: SoapClient) -> None:
        """The plate-read topics this device advertises (Profile M): the standard one is
        always matched; a device without GetEventProperties keeps just that."""
        path = self._paths.get(NS["tev"])
        if not self._opts.events or not self._opts.lpr_event_properties or path is None:
            return
        try:
            answer = await soap.call(path, NS["tev"], el("tev:GetEventProperties"))
        except (ProtocolError, DecodeError, DeviceTimeout) as err:  # keep the standard topic
            log.info("device=%s event=event_properties_failed error=%s", self._ctx.device.id,
                     err.message)
            return
        self.lpr_topics = lpr.LprTopics(lpr.advertised_lpr_topics(answer),
                                        self._opts.lpr_topics)
        if len(self.lpr_topics.keys) > 1:
            log.info("device=%s event=lpr_topics topics=%s", self._ctx.device.id,
                     ",".join(self.lpr_topics.describe()))

    async def close(self) -> None:
        if self._pullpoint is not None:
            await self._pullpoint.unsubscribe()
            self._pullpoint = None
        self._soap = None

    # -- media --------------------------------------------------------------------------------

    async def _refresh_media(self, soap: SoapClient) -> None:
        if self._media2:
            try:
                await self._read_media(soap, media2=True)
            except FaultError as err:  # Media2 advertised but broken: Media v1 instead
                log.info("device=%s event=media2_failed fault=%s", self._ctx.device.id, err)
                self._media2 = False
        if not self._media2:
            await self._read_media(soap, media2=False)
        self._refreshed_at = time.monotonic()

    async def _read_media(self, soap: SoapClient, *, media2: bool) -> None:
        prefix, ns = ("tr2", NS["tr2"]) if media2 else ("trt", NS["trt"])
        path = self._paths[ns]
        request = el("tr2:GetProfiles", el("tr2:Type", "All")) if media2 \
            else el("trt:GetProfiles")
        answer = await soap.call(path, ns, request)
        profiles = (mapping.media2_profiles if media2 else mapping.media1_profiles)(answer)
        streams, problems = [], []
        for profile in profiles:
            token = el(f"{prefix}:ProfileToken", profile.token)
            if media2:
                request = el("tr2:GetStreamUri", el("tr2:Protocol", self._opts.stream_protocol),
                             token)
            else:
                request = el("trt:GetStreamUri", el("trt:StreamSetup", el(
                    "tt:Stream", "RTP-Unicast"), el("tt:Transport", el("tt:Protocol", "RTSP"))),
                    token)
            uri = None
            try:
                uri = mapping.media_uri(await soap.call(path, ns, request))
            except FaultError:
                problems.append(f"stream_uri:{profile.token}")
            public = mapping.public_stream_uri(
                uri, self._ctx.device.endpoint.host,
                rewrite_host=self._opts.rewrite_stream_host) if uri else None
            streams.append(mapping.stream(profile, public))
        self._snapshot_uri = None
        if profiles:
            try:
                self._snapshot_uri = mapping.media_uri(await soap.call(path, ns, el(
                    f"{prefix}:GetSnapshotUri", el(f"{prefix}:ProfileToken", profiles[0].token))))
            except FaultError:
                pass  # no snapshot support: snapshot_supported stays false
        self._profiles, self._streams = profiles, streams
        self._media_problems = tuple(problems)
        await self._read_presets(soap)

    async def _read_presets(self, soap: SoapClient) -> None:
        path = self._paths.get(NS["tptz"])
        if path is None or not self._profiles:
            self._ptz_token = None
            return
        wanted = self._opts.ptz_profile
        token = wanted or next((p.token for p in self._profiles if p.has_ptz),
                               self._profiles[0].token)
        self._ptz_token = token
        answer = await soap.call(path, NS["tptz"], el("tptz:GetPresets",
                                                      el("tptz:ProfileToken", token)))
        self._presets = mapping.presets(answer)

    # -- polling ------------------------------------------------------------------------------

    async def read(self) -> Reading:
        soap = self._require()
        received = datetime.now(UTC)
        problems: list[str] = []
        await soap.sync_clock()
        device_time = received + soap.offset  # the camera clock, to better than its 1 s
        if time.monotonic() - self._refreshed_at > self._opts.refresh_s:
            try:
                await self._refresh_media(soap)
            except (FaultError, DecodeError) as err:
                problems.append(f"media_refresh: {err.message}")
        ptz = PtzState(supported=self._ptz_token is not None,
                       presets=[name for _, name in self._presets])
        checked = False  # one authenticated call per poll, so a changed password shows
        if self._ptz_token is not None:
            try:
                status = mapping.ptz_status(await soap.call(
                    self._paths[NS["tptz"]], NS["tptz"],
                    el("tptz:GetStatus", el("tptz:ProfileToken", self._ptz_token))))
                ptz.pan, ptz.tilt, ptz.zoom, ptz.moving = (status.pan, status.tilt,
                                                           status.zoom, status.moving)
                checked = True
            except FaultError as err:
                problems.append(f"ptz_status: {err.fault}")
        if not checked:
            await soap.call(self._opts.device_path, NS["tds"], el("tds:GetDeviceInformation"))
        problems.extend(self._media_problems)
        has_uri = any(s.rtsp_uri for s in self._streams)
        if not has_uri:
            problems.append("no stream URI")
        state = CameraState(received_at=received, device_time=device_time,
                            streams=list(self._streams),
                            snapshot_supported=self._snapshot_uri is not None, ptz=ptz,
                            alarms=dict(self._pump.alarms) if self._pump else {})
        return Reading(state=state, device_time=device_time, problems=tuple(problems),
                       level=Level.STREAM_URI_OBTAINED if has_uri else Level.AUTHENTICATED)

    # -- events -------------------------------------------------------------------------------

    async def stream_events(self) -> None:
        soap = self._require()
        path = self._paths.get(NS["tev"])
        if not self._opts.events or path is None:
            await asyncio.Event().wait()  # nothing to stream; the gateway cancels at stop
        assert self._pump is not None and path is not None
        self._pullpoint = pullpoint = events.PullPoint(
            soap, path, self._opts.subscription_ttl_s, self._opts.renew_fraction,
            self._ctx.device.id)
        try:
            await events.run(pullpoint, self._pump, self._opts.pull_timeout_s,
                             self._opts.pull_message_limit)
        finally:
            if self._pullpoint is pullpoint:
                self._pullpoint = None

    # -- snapshots ----------------------------------------------------------------------------

    async def snapshot(self, max_bytes: int) -> Snapshot:
        soap = self._require()
        if self._snapshot_uri is None:
            raise Unsupported("the camera gives no snapshot URI")
        content_type, content = await soap.get(
            self._snapshot_uri, max_bytes, timeout_s=max(soap.timeout_s * 4, 4.0))
        if not content.startswith(b"\xff\xd8") and not content_type.startswith("image/"):
            raise DecodeError(f"snapshot is not an image ({content_type}, "
                              f"{len(content)} bytes)")
        return Snapshot(content, content_type if content_type.startswith("image/")
                        else "image/jpeg")

    # -- commands -----------------------------------------------------------------------------

    async def execute(self, command: Command) -> CommandResult:
        soap = self._require()
        path = self._paths.get(NS["tptz"])
        if path is None or self._ptz_token is None:
            raise Unsupported("this camera has no PTZ service")
        profile = el("tptz:ProfileToken", self._ptz_token)
        if command.name == CommandName.PTZ_MOVE:
            pan, tilt = float(command.args["pan"]), float(command.args["tilt"])
            zoom = float(command.args.get("zoom", 0.0))
            timeout = self._opts.ptz_move_timeout_s
            body = el("tptz:ContinuousMove", profile, el(
                "tptz:Velocity", el("tt:PanTilt", x=f"{pan:g}", y=f"{tilt:g}"),
                el("tt:Zoom", x=f"{zoom:g}")),
                el("tptz:Timeout", f"PT{timeout:g}S") if timeout else None)
            await self._command(soap, path, body)
            return CommandResult(message=f"moving at pan {pan:g}, tilt {tilt:g}, zoom {zoom:g}",
                                 detail={"timeout_s": timeout or None})
        if command.name == CommandName.PTZ_STOP:
            await self._command(soap, path, el("tptz:Stop", profile, el("tptz:PanTilt", "true"),
                                                el("tptz:Zoom", "true")))
            return CommandResult(message="stopped")
        if command.name == CommandName.GOTO_PRESET:
            token, name = await self._preset(soap, str(command.args["preset"]))
            await self._command(soap, path, el("tptz:GotoPreset", profile,
                                                el("tptz:PresetToken", token)))
            return CommandResult(message=f"going to preset {name!r}",
                                 detail={"preset_token": token})
        raise Unsupported(f"onvif does not implement {command.name.value}")

    async def _preset(self, soap: SoapClient, wanted: str) -> tuple[str, str]:
        for attempt in range(2):
            for token, name in self._presets:
                if wanted in (token, name) or wanted.casefold() == name.casefold():
                    return token, name
            if attempt == 0:
                await self._read_presets(soap)  # presets may have changed on the camera
        names = [name for _, name in self._presets]
        raise InvalidArguments(f"no preset {wanted!r} on this camera (presets: "
                               f"{', '.join(names) or 'none'})", detail={"presets": names})

    async def _command(self, soap: SoapClient, path: str, body: etree._Element) -> None:
        try:
            await soap.call(path, NS["tptz"], body)
        except FaultError as err:
            if err.fault.has("NoToken", "NoProfile", "InvalidVelocity", "InvalidPosition"):
                raise InvalidArguments(f"camera refused the arguments: {err.fault}") from err
            raise CommandRejected(f"camera refused: {err.fault}") from err
