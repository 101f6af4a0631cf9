"""PTZ service of the simulated camera: ContinuousMove (with its optional Timeout, after which
the camera stops by itself), Stop, GetStatus, GetPresets and GotoPreset over the shared model.

Preset tokens are "1", "2", ... in the model's preset order; names are the model's names.
"""

from __future__ import annotations

from lxml import etree

from simulators.onvif.context import Ctx, Handler
from simulators.onvif.soap import Request, SoapFault, el, parse_duration, q, sub, xs_datetime

__all__ = ["PTZ"]

GENERIC_POSITION = "http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"
GENERIC_ZOOM = "http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"


def _check_profile(ctx: Ctx, req: Request) -> None:
    if not ctx.model.config.has_ptz:
        raise SoapFault("Receiver", ("ter:ActionNotSupported", "ter:PTZNotSupported"),
                        "this camera has no PTZ")
    ctx.profile(req.body.findtext(q("tptz:ProfileToken")))


def _float(node: etree._Element | None, attr: str) -> float:
    if node is None:
        return 0.0
    try:
        return float(node.get(attr, "0"))
    except ValueError:
        raise SoapFault("Sender", ("ter:InvalidArgVal",), f"{attr} is not a number") from None


def continuous_move(ctx: Ctx, req: Request) -> list[etree._Element]:
    _check_profile(ctx, req)
    velocity = req.body.find(q("tptz:Velocity"))
    if velocity is None:
        raise SoapFault("Sender", ("ter:InvalidArgVal",), "Velocity is required")
    pan_tilt, zoom = velocity.find(q("tt:PanTilt")), velocity.find(q("tt:Zoom"))
    pan, tilt, z = _float(pan_tilt, "x"), _float(pan_tilt, "y"), _float(zoom, "x")
    if any(abs(v) > 1.0 for v in (pan, tilt, z)):
        raise SoapFault("Sender", ("ter:InvalidArgVal", "ter:InvalidVelocity"),
                        "velocity outside the generic space -1..1")
    ctx.model.continuous_move(pan, tilt, z)
    timeout = parse_duration(req.body.findtext(q("tptz:Timeout")))
    ctx.ptz_timer.deadline = ctx.now() + timeout if timeout else None
    return [el("tptz:ContinuousMoveResponse")]


def stop(ctx: Ctx, req: Request) -> list[etree._Element]:
    _check_profile(ctx, req)
    ctx.model.stop()
    ctx.ptz_timer.deadline = None
    return [el("tptz:StopResponse")]


def _vector(tag: str, pan: float, tilt: float, zoom: float) -> etree._Element:
    return el(tag, el("tt:PanTilt", x=f"{pan:.4f}", y=f"{tilt:.4f}", space=GENERIC_POSITION),
              el("tt:Zoom", x=f"{zoom:.4f}", space=GENERIC_ZOOM))


def get_status(ctx: Ctx, req: Request) -> list[etree._Element]:
    _check_profile(ctx, req)
    p, moving = ctx.model.ptz, ctx.model.moving
    state = "MOVING" if moving else "IDLE"
    return [el("tptz:GetStatusResponse", el(
        "tptz:PTZStatus", _vector("tt:Position", p.pan, p.tilt, p.zoom),
        el("tt:MoveStatus", sub("tt:PanTilt", state), sub("tt:Zoom", state)),
        sub("tt:UtcTime", xs_datetime(ctx.model.device_time()))))]


def get_presets(ctx: Ctx, req: Request) -> list[etree._Element]:
    _check_profile(ctx, req)
    out = el("tptz:GetPresetsResponse")
    for i, (name, pos) in enumerate(ctx.model.presets.items(), start=1):
        out.append(el("tptz:Preset", sub("tt:Name", name),
                      _vector("tt:PTZPosition", pos.pan, pos.tilt, pos.zoom), token=str(i)))
    return [out]


def goto_preset(ctx: Ctx, req: Request) -> list[etree._Element]:
    _check_profile(ctx, req)
    token = (req.body.findtext(q("tptz:PresetToken")) or "").strip()
    names = list(ctx.model.presets)
    if not token.isdigit() or not 1 <= int(token) <= len(names):
        raise SoapFault("Sender", ("ter:InvalidArgVal", "ter:NoToken"),
                        f"no preset with token {token!r}")
    ctx.model.goto_preset(names[int(token) - 1])
    ctx.ptz_timer.deadline = None
    return [el("tptz:GotoPresetResponse")]


PTZ: dict[str, tuple[Handler, bool]] = {
    "ContinuousMove": (continuous_move, False),
    "Stop": (stop, False),
    "GetStatus": (get_status, False),
    "GetPresets": (get_presets, False),
    "GotoPreset": (goto_preset, False),
}
