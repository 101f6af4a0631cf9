"""GA/T 1049.2 data objects built from the normalized model (reference §4.2-4.4, §6).

Element names follow the `MartinMeng001/ga-t1049-parent` model classes, including the standard's
own spelling `SignalControlerID`. Mappings that no source states are marked [I]:
- ControlMode from (mode, source): flash 13, all red 12, dark 11, stage lock 52, a pattern held
  centrally 53 (plan lock), manual 51 (central) / 01 (local), fixed time 21, free/actuated 22,
  adaptive 23, coordinated 31 (line coordination), unknown 00 [I].
- Signal groups are the controller's vehicle phases (SignalGroupNo = phase number) [I]; pedestrian
  heads are not reported. LampStatus is R,Y,G with 1 off / 2 on / 3 flash (§6.1); dark is 111
  (every lamp present, all off), never 0 (= lamp absent, pain point 24).
- SignalControllerError.ErrorType from the canonical alarm code [I]: lamp/flash-monitor faults 1,
  power 2, clock 3, plan and central control 5, other runtime faults 4, else 9.
- Times are the gateway host's local time, `yyyy-MM-dd HH:mm:ss` (LampStatusTime adds `.SSS`) [I].
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from lxml import etree

from gateway.model import (
    Alarm,
    ControlMode,
    ControlSource,
    ControlState,
    HealthStatus,
    SignalControllerState,
    VehicleIndication,
)
from gateway.northbound.gat1049.codec import el

__all__ = [
    "LAMP_STATUS", "gat_time", "control_mode_code", "error_type", "cross_state",
    "cross_mode_plan", "cross_cycle", "cross_stage", "cross_signal_group_status",
    "signal_controller_error", "sys_info", "cross_param", "signal_controller", "sdo_error",
]

V = VehicleIndication
LAMP_STATUS: dict[VehicleIndication, str] = {
    V.DARK: "111", V.RED: "211", V.YELLOW: "121", V.GREEN: "112", V.RED_FLASH: "311",
    V.YELLOW_FLASH: "131", V.GREEN_FLASH: "113", V.RED_YELLOW: "221",
}
_FIXED_MODES = {ControlMode.FLASH: "13", ControlMode.ALL_RED: "12", ControlMode.DARK: "11",
                ControlMode.STAGE_LOCK: "52", ControlMode.PLAN_LOCK: "53"}
_LOCAL_MODES = {ControlMode.FIXED_TIME: "21", ControlMode.FREE: "22",
                ControlMode.ADAPTIVE: "23", ControlMode.COORDINATED: "31"}
_ERROR_WORDS = (("1", ("lamp", "mmu", "tf_flash", "local_flash", "conflict")),
                ("2", ("power", "battery", "voltage")),
                ("3", ("clock", "time_")),
                ("5", ("plan", "pattern", "central_control")),
                ("4", ("coord", "cycle", "detector", "stop_time", "response", "fault")))


def gat_time(moment: datetime, *, millis: bool = False) -> str:
    local_time = moment.astimezone()
    text = local_time.strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}.{local_time.microsecond // 1000:03d}" if millis else text


def control_mode_code(c: ControlState) -> str:
    fixed = _FIXED_MODES.get(c.mode)
    if fixed is not None:
        return fixed
    central = c.central_hold or c.source == ControlSource.CENTRAL
    if c.mode == ControlMode.MANUAL or c.source == ControlSource.MANUAL:
        return "51" if central else "01"
    if central and c.pattern is not None and c.mode != ControlMode.FREE:
        return "53"
    return _LOCAL_MODES.get(c.mode, "00")


def error_type(code: str) -> str:
    for value, words in _ERROR_WORDS:
        if any(w in code for w in words):
            return value
    return "9"


def cross_state(cross_id: str, status: HealthStatus) -> etree._Element:
    value = {HealthStatus.UP: "Online", HealthStatus.DEGRADED: "Error"}.get(status, "Offline")
    return el("CrossState", children=[el("CrossID", cross_id), el("Value", value)])


def cross_mode_plan(cross_id: str, control: ControlState) -> etree._Element:
    return el("CrossModePlan", children=[
        el("CrossID", cross_id), el("ControlMode", control_mode_code(control)),
        el("PlanNo", control.pattern or 0)])


def cross_cycle(cross_id: str, start: datetime, last_cycle_len: int) -> etree._Element:
    return el("CrossCycle", children=[
        el("CrossID", cross_id), el("StartTime", gat_time(start)),
        el("LastCycleLen", last_cycle_len), el("AdjustFlag", 0)])


def cross_stage(cross_id: str, last_no: int, last_len: int, cur_no: int,
                cur_len: int) -> etree._Element:
    return el("CrossStage", children=[
        el("CrossID", cross_id), el("LastStageNo", last_no), el("LastStageLen", last_len),
        el("CurStageNo", cur_no), el("CurStageLen", cur_len)])


def cross_signal_group_status(cross_id: str, state: SignalControllerState) -> etree._Element:
    groups = [el("SignalGroupStatus", children=[
        el("SignalGroupNo", p.number), el("LampStatus", LAMP_STATUS[p.vehicle])])
        for p in sorted(state.phases, key=lambda p: p.number)]
    return el("CrossSignalGroupStatus", children=[
        el("CrossID", cross_id), el("LampStatusTime", gat_time(state.received_at, millis=True)),
        el("SignalGroupStatusList", children=groups)])


def signal_controller_error(controller_id: str, alarm: Alarm,
                            occurred: datetime) -> etree._Element:
    return el("SignalControllerError", children=[
        el("SignalControlerID", controller_id), el("ErrorType", error_type(alarm.code)),
        el("ErrorDesc", f"{alarm.code}: {alarm.text}"[:500]),
        el("OccurTime", gat_time(occurred))])


def _id_list(wrapper: str, item: str, values: Iterable[str | int]) -> etree._Element:
    return el(wrapper, children=[el(item, v) for v in values])


def sys_info(name: str, version: str, supplier: str, crosses: list[str],
             controllers: list[str]) -> etree._Element:
    return el("SysInfo", children=[
        el("SysName", name), el("SysVersion", version), el("Supplier", supplier),
        _id_list("CrossIDList", "CrossID", crosses),
        _id_list("SignalControlerIDList", "SignalControlerID", controllers)])


def cross_param(cross_id: str, name: str, state: SignalControllerState | None) -> etree._Element:
    children = [el("CrossID", cross_id), el("CrossName", name)]
    if state is not None:
        children += [
            _id_list("DetNoList", "DetNo", sorted(d.number for d in state.detectors)),
            _id_list("SignalGroupNoList", "SignalGroupNo", sorted(p.number for p in state.phases)),
        ]
        if state.control.pattern is not None:
            children.append(_id_list("PlanNoList", "PlanNo", [state.control.pattern]))
    return el("CrossParam", children=children)


def signal_controller(controller_id: str, supplier: str, model: str,
                      cross_id: str) -> etree._Element:
    return el("SignalController", children=[
        el("SignalControlerID", controller_id), el("Supplier", supplier), el("Type", model),
        el("CommMode", "10"), _id_list("CrossIDList", "CrossID", [cross_id])])


def sdo_error(obj: str, err_type: str, desc: str) -> etree._Element:
    return el("SDO_Error", children=[el("ErrObj", obj[:64]), el("ErrType", err_type),
                                     el("ErrDesc", desc[:500])])
