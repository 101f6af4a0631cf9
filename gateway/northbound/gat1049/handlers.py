"""GA/T 1049.1 operations: Login, Logout, Notify (heartbeat), Subscribe, Unsubscribe, Get, Set.

Every operation but Login needs the session's token; a REQUEST is answered with RESPONSE (or
ERROR when an operation fails, the failed ones carrying an SDO_Error with the 1049.1 codes
SDE_Token, SDE_UserName, SDE_Pwd, SDE_OperName, SDE_NotAllow, SDE_Failure), one Operation per
requested one, same order and name, and the request's Seq. A PUSH (a one-way heartbeat) gets no
answer. Set of CrossModePlan runs a sanctioned command through `Gateway.execute` as the logged-in
user (viewers get SDE_NotAllow, audited): ControlMode 53 + PlanNo -> set_pattern, 13 -> flash,
22 -> free, 12 -> all red (where the device has it), 00 -> release.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from lxml import etree

from gateway.northbound.gat1049.codec import (
    Envelope,
    MessageError,
    Operation,
    build_message,
    el,
    local,
    text_of,
)
from gateway.northbound.gat1049.context import PROTOCOL, Context
from gateway.northbound.gat1049.objects import sdo_error, sys_info
from gateway.northbound.gat1049.tracker import PUSHABLE
from gateway.sdk.errors import NotFound
from gateway.service import CommandFailure

if TYPE_CHECKING:
    from gateway.northbound.gat1049.session import Session

__all__ = ["OpError", "handle"]

_CROSS_GETS = frozenset({"CrossParam", "CrossState", "CrossModePlan", "CrossCycle", "CrossStage",
                         "CrossSignalGroupStatus"})
_CONTROLLER_GETS = frozenset({"SignalController", "SignalControllerError"})
_COMMANDS: dict[str, tuple[str, dict[str, Any]]] = {
    "13": ("set_mode", {"mode": "flash"}), "22": ("set_mode", {"mode": "free"}),
    "12": ("set_mode", {"mode": "all_red"}), "00": ("release", {}),
}
_KINDS = frozenset({"login", "logout", "subscribe", "unsubscribe", "get", "set", "notify"})


class OpError(Exception):
    """An operation that fails: answered with an SDO_Error; `reason` labels the metric."""

    def __init__(self, err_type: str, obj: str, desc: str, reason: str) -> None:
        super().__init__(desc)
        self.err_type, self.obj, self.desc, self.reason = err_type, obj, desc, reason


Handler = Callable[[Context, "Session", Operation], Awaitable[list[etree._Element]]]


async def handle(ctx: Context, session: Session, env: Envelope) -> bytes | None:
    """The answer frame to one message, or None for a PUSH. Raises MessageError."""
    if env.type == "PUSH":
        ctx.metrics.request(PROTOCOL, "push")
        return None
    if env.type != "REQUEST":
        raise MessageError("SDE_MsgType", f"a client sends REQUEST or PUSH, not {env.type}",
                           env.seq)
    results: list[tuple[int, str, list[etree._Element]]] = []
    failed = False
    for op in env.operations:
        kind = op.name.lower()
        ctx.metrics.request(PROTOCOL, kind if kind in _KINDS else "other")
        try:
            if op.name != "Login" and not session.token_ok(env.token):
                raise OpError("SDE_Token", "Token", "invalid or missing token: Login first",
                              "bad_token")
            handler = _HANDLERS.get(op.name)
            if handler is None:
                raise OpError("SDE_OperName", op.name, f"unknown operation {op.name!r}",
                              "bad_operation")
            objects = await handler(ctx, session, op)
        except OpError as err:
            ctx.metrics.error(PROTOCOL, err.reason)
            objects, failed = [sdo_error(err.obj, err.err_type, err.desc)], True
        results.append((op.order, op.name, objects))
    return build_message(type="ERROR" if failed else "RESPONSE", seq=env.seq or ctx.seq(),
                         token=session.token or "", operations=results,
                         to_sys=env.from_sys or "TICP")


def _objects(op: Operation, name: str) -> list[etree._Element]:
    return [o for o in op.objects if local(o) == name]


async def _login(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    users = _objects(op, "SDO_User")
    if not users:
        raise OpError("SDE_UserName", "SDO_User", "Login needs an SDO_User", "login_failed")
    name, password = text_of(users[0], "UserName") or "", text_of(users[0], "Pwd") or ""
    user = next((u for u in ctx.config.users if u.username == name), None)
    if user is None:
        session.login_failed()
        raise OpError("SDE_UserName", "SDO_User", "unknown user", "login_failed")
    if not hmac.compare_digest(password.encode(), user.secret().encode()):
        session.login_failed()
        raise OpError("SDE_Pwd", "SDO_User", "wrong password", "login_failed")
    session.login(user)
    return [el("SDO_User", children=[el("UserName", name), el("Pwd", "")])]


async def _logout(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    session.logout()
    return []


async def _notify(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    beats = _objects(op, "SDO_HeartBeat")
    if not beats or len(beats) != len(op.objects):
        name = next((local(o) for o in op.objects if local(o) != "SDO_HeartBeat"), "Notify")
        raise OpError("SDE_Failure", name, "a client may only Notify SDO_HeartBeat",
                      "unknown_object")
    return [el("SDO_HeartBeat")]


async def _subscribe(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    names = _subscription_names(op)
    for name in names:
        session.subscriptions.add(name)
        for device in ctx.directory.devices():  # the current values first [I]
            for element in ctx.feed.objects(name, device):
                session.defer(name, element)
    return [_entity(n) for n in names]


async def _unsubscribe(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    names = _subscription_names(op)
    for name in names:
        session.subscriptions.discard(name)
    return [_entity(n) for n in names]


def _subscription_names(op: Operation) -> list[str]:
    entities = _objects(op, "SDO_MsgEntity")
    if not entities:
        raise OpError("SDE_Failure", "SDO_MsgEntity", f"{op.name} needs an SDO_MsgEntity",
                      "bad_request")
    names = [text_of(e, "ObjName") or "" for e in entities]
    for name in names:
        if name not in PUSHABLE:
            raise OpError("SDE_Failure", name, f"{name!r} is not an object this system pushes "
                          f"(pushes: {', '.join(sorted(PUSHABLE))})", "unknown_object")
    return names


def _entity(name: str) -> etree._Element:
    return el("SDO_MsgEntity", children=[el("MsgType", "PUSH"), el("OperName", "Notify"),
                                         el("ObjName", name)])


async def _get(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    commands = _objects(op, "TSCCmd")
    if not commands:
        raise OpError("SDE_Failure", "TSCCmd", "Get needs a TSCCmd {ObjName, ID}", "bad_request")
    out: list[etree._Element] = []
    for command in commands:
        name, ident = text_of(command, "ObjName") or "", text_of(command, "ID") or ""
        if name == "SysInfo":
            devices = ctx.directory.devices()
            out.append(sys_info(ctx.config.sys_name, ctx.version, ctx.config.supplier,
                                [ctx.directory.cross_id(d) or d for d in devices],
                                [ctx.directory.controller_id(d) or d for d in devices]))
            continue
        if name not in _CROSS_GETS and name not in _CONTROLLER_GETS:
            raise OpError("SDE_Failure", name or "TSCCmd", f"unknown object {name!r}",
                          "unknown_object")
        found = [e for d in _devices(ctx, name, ident) for e in ctx.feed.objects(name, d)]
        if ident and not found and name != "SignalControllerError":
            raise OpError("SDE_Failure", name, f"no {name} for {ident!r} yet (no state read "
                          "from the device)", "no_data")
        out.extend(found)
    return out


def _devices(ctx: Context, name: str, ident: str) -> list[str]:
    if not ident:
        return ctx.directory.devices()
    device = ctx.directory.device_for_cross(ident)
    if name in _CONTROLLER_GETS:
        device = ctx.directory.device_for_controller(ident) or device
    if device is None:
        raise OpError("SDE_Failure", name, f"unknown ID {ident!r}", "unknown_id")
    return [device]


async def _set(ctx: Context, session: Session, op: Operation) -> list[etree._Element]:
    plans = _objects(op, "CrossModePlan")
    if not plans or len(plans) != len(op.objects):
        other = next((local(o) for o in op.objects if local(o) != "CrossModePlan"), "Set")
        raise OpError("SDE_Failure", other, "only CrossModePlan can be set", "unknown_object")
    user = session.user
    assert user is not None  # token_ok
    out = []
    for plan in plans:
        cross = text_of(plan, "CrossID") or ""
        mode = (text_of(plan, "ControlMode") or "").zfill(2)
        plan_no = text_of(plan, "PlanNo") or ""
        device = ctx.directory.device_for_cross(cross)
        if device is None:
            raise OpError("SDE_Failure", "CrossModePlan", f"unknown CrossID {cross!r}",
                          "unknown_id")
        if mode == "53":
            name, args = "set_pattern", {"pattern": int(plan_no) if plan_no.isdigit() else plan_no}
        elif mode in _COMMANDS:
            name, args = _COMMANDS[mode]
        else:
            raise OpError("SDE_NotAllow", "CrossModePlan", f"ControlMode {mode!r} cannot be set "
                          "here (53 plan lock, 13 flash, 22 free, 12 all red, 00 cancel)",
                          "not_allowed")
        if user.role != "operator":
            await ctx.gateway.audit_denied(device, name, "forbidden",
                                           f"GA/T 1049 user {user.username!r} is a viewer")
            raise OpError("SDE_NotAllow", "CrossModePlan", "this user may not Set",
                          "not_allowed")
        try:
            await ctx.gateway.execute(device, name, args, user.username)
        except CommandFailure as failure:
            err = "SDE_NotAllow" if failure.status in (401, 403, 501) else "SDE_Failure"
            raise OpError(err, "CrossModePlan", failure.outcome.message[:400],
                          "command_failed") from None
        except NotFound:
            raise OpError("SDE_Failure", "CrossModePlan", f"no device for CrossID {cross!r}",
                          "unknown_id") from None
        out.append(el("CrossModePlan", children=[el("CrossID", cross), el("ControlMode", mode),
                                                 el("PlanNo", plan_no or 0)]))
    return out


_HANDLERS: dict[str, Handler] = {
    "Login": _login, "Logout": _logout, "Notify": _notify, "Subscribe": _subscribe,
    "Unsubscribe": _unsubscribe, "Get": _get, "Set": _set,
}
