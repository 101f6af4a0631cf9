"""Pull-point event subscriptions of the simulated camera (ONVIF Core §Real-time Pull-Point).

Each subscription has its own address (`/onvif/subscription?Idx=N`) that PullMessages, Renew and
Unsubscribe are posted to with a matching WS-Addressing `To` header. Subscriptions expire at
their termination time; after that, or after a reboot, every call answers ResourceUnknownFault.
Quirks: PullMessages that do not extend the lifetime (onvif/specs#506), a cap on the granted
lifetime, MaxPullPoints, topic and boolean spelling variants, and malformed messages.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from simulators.camera.model import AlarmKind, CameraAlarm
from simulators.onvif.context import Ctx, OnvifFaults
from simulators.onvif.lpr import (
    STANDARD_TOPIC,
    SimRead,
    alarm_description,
    event_properties,
    plate_description,
    plate_message,
)
from simulators.onvif.soap import (
    Request,
    SoapFault,
    el,
    parse_datetime,
    parse_duration,
    q,
    sub,
    xs_datetime,
)

__all__ = ["PullPoints", "Subscription", "SUBSCRIPTION_PATH"]

SUBSCRIPTION_PATH = "/onvif/subscription"
CONCRETE_SET = "http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"
MAX_PULL_TIMEOUT_S = 60.0
DEFAULT_TTL_S = 60.0

Item = tuple[str, str]
_RULE_ENGINE: dict[AlarmKind, tuple[str, str, str]] = {  # topic, data item, rule
    AlarmKind.MOTION: ("tns1:RuleEngine/CellMotionDetector/Motion", "IsMotion",
                       "MyMotionDetectorRule"),
    AlarmKind.TAMPER: ("tns1:RuleEngine/TamperDetector/Tamper", "IsTamper",
                       "MyTamperDetectorRule"),
}
_VIDEO_SOURCE: dict[AlarmKind, str] = {
    AlarmKind.MOTION: "tns1:VideoSource/MotionAlarm",
    AlarmKind.TAMPER: "tns1:VideoSource/GlobalSceneChange/ImagingService",
    AlarmKind.VIDEO_LOSS: "tns1:VideoSource/SignalLoss",
}


@dataclass(slots=True)
class Subscription:
    idx: int
    ttl_s: float
    expires: float  # simulator clock
    cursor: int  # last model alarm sequence delivered
    initial: list[tuple[AlarmKind, bool]] = field(default_factory=list)
    pulling: bool = False
    plate_cursor: int = 0  # last plate read delivered (seq)
    plate_again: list[SimRead] = field(default_factory=list)  # the lpr_repeat quirk


def _resource_unknown(ctx: Ctx, what: str) -> SoapFault:
    detail = el("wsrf-rw:ResourceUnknownFault",
                sub("wsrf-bf:Timestamp", xs_datetime(ctx.model.device_time())))
    return SoapFault("Sender", ("wsrf-rw:ResourceUnknownFault",), f"resource unknown: {what}",
                     detail)


class PullPoints:
    """The device's subscriptions, with counters the tests read (created, renewed, ...)."""

    __slots__ = ("subs", "faults", "counts", "_next")

    def __init__(self, faults: OnvifFaults) -> None:
        self.subs: dict[int, Subscription] = {}
        self.faults = faults
        self.counts: Counter[str] = Counter()
        self._next = 1

    def active(self, now: float) -> list[int]:
        """Ids of live subscriptions; expired ones are dropped (and counted) here."""
        for idx in [i for i, s in self.subs.items() if s.expires <= now]:
            del self.subs[idx]
            self.counts["expired"] += 1
        return sorted(self.subs)

    def drop_all(self) -> None:
        """A reboot: every subscription is forgotten without notice."""
        self.subs.clear()

    def _ttl(self, ctx: Ctx, text: str | None) -> float:
        if not text:
            return min(DEFAULT_TTL_S, ctx.quirks.ttl_cap_s)
        ttl = parse_duration(text)
        if ttl is not None:
            self.counts["relative_requests"] += 1
        else:
            self.counts["absolute_requests"] += 1
            when = parse_datetime(text)
            if when is None:
                raise SoapFault("Sender", ("wsnt:UnacceptableTerminationTimeFault",),
                                f"termination time {text!r} is not a time or duration")
            ttl = when - ctx.model.device_time()
        if ttl <= 0:
            raise SoapFault("Sender", ("wsnt:UnacceptableTerminationTimeFault",),
                            "termination time is in the past")
        return min(ttl, ctx.quirks.ttl_cap_s)

    def _times(self, ctx: Ctx, s: Subscription, relative: bool = False
               ) -> list[etree._Element]:
        offset = ctx.model.clock_offset_s
        now = ctx.now()
        # the broken-relative-time quirk reports a relative request as ending now
        end = now if relative and ctx.quirks.broken_relative_time else s.expires
        return [sub("wsnt:TerminationTime", xs_datetime(end + offset)),
                sub("wsnt:CurrentTime", xs_datetime(now + offset))]

    @staticmethod
    def _relative(text: str | None) -> bool:
        return text is None or parse_duration(text) is not None

    def lookup(self, ctx: Ctx, req: Request, idx: int) -> Subscription:
        if req.header_text("wsa:To") is None:
            raise SoapFault("Sender", ("wsa:MessageAddressingHeaderRequired",),
                            "subscription operations need a WS-Addressing To header")
        self.active(ctx.now())
        found = self.subs.get(idx)
        if found is None:
            raise _resource_unknown(ctx, f"subscription {idx}")
        return found

    # -- operations ---------------------------------------------------------------------------

    def create(self, ctx: Ctx, req: Request) -> list[etree._Element]:
        now = ctx.now()
        if len(self.active(now)) >= ctx.quirks.max_pull_points:
            raise SoapFault("Receiver", ("ter:Action", "ter:TooManySubscriptions"),
                            f"at most {ctx.quirks.max_pull_points} pull points")
        requested = req.body.findtext(q("tev:InitialTerminationTime"))
        ttl = self._ttl(ctx, requested)
        ctx.model.advance(now)
        s = Subscription(self._next, ttl, now + ttl, ctx.model.alarms[-1].seq
                         if ctx.model.alarms else 0)
        if ctx.plates is not None:
            s.plate_cursor = max(0, ctx.plates.last_seq - ctx.quirks.lpr_replay_on_subscribe)
        s.initial = [(k, ctx.model.active[k]) for k in
                     (AlarmKind.MOTION, AlarmKind.TAMPER, AlarmKind.VIDEO_LOSS)]
        self.subs[s.idx] = s
        self._next += 1
        self.counts["created"] += 1
        address = ctx.url(f"{SUBSCRIPTION_PATH}?Idx={s.idx}")
        ref = el("tev:SubscriptionReference", sub("wsa:Address", address))
        current, termination = reversed(self._times(ctx, s, self._relative(requested)))
        return [el("tev:CreatePullPointSubscriptionResponse", ref, current, termination)]

    def renew(self, ctx: Ctx, req: Request, s: Subscription) -> list[etree._Element]:
        requested = req.body.findtext(q("wsnt:TerminationTime"))
        s.ttl_s = self._ttl(ctx, requested)
        s.expires = ctx.now() + s.ttl_s
        self.counts["renewed"] += 1
        return [el("wsnt:RenewResponse", *self._times(ctx, s, self._relative(requested)))]

    def unsubscribe(self, ctx: Ctx, req: Request, s: Subscription) -> list[etree._Element]:
        del self.subs[s.idx]
        self.counts["unsubscribed"] += 1
        return [el("wsnt:UnsubscribeResponse")]

    def synchronize(self, ctx: Ctx, req: Request, s: Subscription) -> list[etree._Element]:
        s.initial = [(k, ctx.model.active[k]) for k in
                     (AlarmKind.MOTION, AlarmKind.TAMPER, AlarmKind.VIDEO_LOSS)]
        return [el("tev:SetSynchronizationPointResponse")]

    async def pull(self, ctx: Ctx, req: Request, s: Subscription) -> list[etree._Element]:
        if s.pulling:
            raise SoapFault("Receiver", ("ter:Action", "tev:UnableToGetMessagesFault"),
                            "another PullMessages is waiting on this subscription")
        if self.faults.event_stall:
            await asyncio.Event().wait()  # never answers; the client must give up
        timeout = parse_duration(req.body.findtext(q("tev:Timeout"))) or 10.0
        try:
            limit = max(1, int(req.body.findtext(q("tev:MessageLimit")) or "100"))
        except ValueError:
            raise SoapFault("Sender", ("ter:InvalidArgVal",), "MessageLimit") from None
        deadline = ctx.now() + min(timeout, MAX_PULL_TIMEOUT_S)
        s.pulling = True
        try:
            while True:
                now = ctx.now()
                ctx.ptz_timer.advance(ctx.model, now)
                messages = self._collect(ctx, s, limit)
                if messages or now >= deadline or s.idx not in self.subs or s.expires <= now:
                    break
                await asyncio.sleep(0.05)
        finally:
            s.pulling = False
        if ctx.quirks.pull_extends_ttl and s.idx in self.subs:
            s.expires = max(s.expires, ctx.now() + s.ttl_s)
        if ctx.quirks.malformed_events and messages:
            messages.append(_malformed())
        self.counts["pulled"] += 1
        current, termination = reversed(self._times(ctx, s))
        return [el("tev:PullMessagesResponse", sub("tev:CurrentTime", current.text or ""),
                   sub("tev:TerminationTime", termination.text or ""), *messages)]

    def _collect(self, ctx: Ctx, s: Subscription, limit: int) -> list[etree._Element]:
        out: list[etree._Element] = []
        device_now = ctx.model.device_time()
        while s.initial and len(out) < limit:
            kind, active = s.initial.pop(0)
            out.append(_message(ctx, kind, active, 1, device_now, "Initialized"))
        for alarm in ctx.model.alarms_after(s.cursor):
            if len(out) >= limit:
                break
            s.cursor = alarm.seq
            if alarm.kind != AlarmKind.IO:
                out.append(_alarm_message(ctx, alarm))
        if ctx.plates is not None and ctx.quirks.lpr:
            self._collect_plates(ctx, s, limit, out)
        return out

    def _collect_plates(self, ctx: Ctx, s: Subscription, limit: int,
                        out: list[etree._Element]) -> None:
        assert ctx.plates is not None
        ctx.plates.advance(ctx.model, ctx.now())
        topic = ctx.quirks.lpr_topic
        again, s.plate_again = s.plate_again, []
        for read in again:
            out.append(plate_message(read, topic))
            self.counts["plate_repeated"] += 1
        for read in ctx.plates.after(s.plate_cursor):
            if len(out) >= limit:
                break
            s.plate_cursor = read.seq
            out.append(plate_message(read, topic))
            self.counts["plate_reads"] += 1
            if ctx.quirks.lpr_repeat:
                s.plate_again.append(read)

    def properties(self, ctx: Ctx, req: Request) -> list[etree._Element]:
        """GetEventProperties: the alarm topics of the current topic style and, on a Profile M
        device, its plate-read topic."""
        self.counts["properties"] += 1
        topics: list[tuple[str, etree._Element]] = []
        if ctx.quirks.topic_style == "rule_engine":
            for topic, item, _ in _RULE_ENGINE.values():
                topics.append((topic, alarm_description(item, [
                    ("VideoSourceConfigurationToken", "tt:ReferenceToken"),
                    ("VideoAnalyticsConfigurationToken", "tt:ReferenceToken"),
                    ("Rule", "xs:string")])))
        else:
            for kind, topic in _VIDEO_SOURCE.items():
                if kind in (AlarmKind.MOTION, AlarmKind.TAMPER):
                    topics.append((topic, alarm_description("State", [
                        ("Source", "tt:ReferenceToken")])))
        topics.append((_VIDEO_SOURCE[AlarmKind.VIDEO_LOSS], alarm_description(
            "State", [("Source", "tt:ReferenceToken")])))
        if ctx.quirks.lpr:
            topics.append((ctx.quirks.lpr_topic or STANDARD_TOPIC, plate_description()))
        return [event_properties(topics)]


def _alarm_message(ctx: Ctx, alarm: CameraAlarm) -> etree._Element:
    return _message(ctx, alarm.kind, alarm.active, alarm.channel, alarm.time, "Changed")


def _message(ctx: Ctx, kind: AlarmKind, active: bool, channel: int, at: float,
             operation: str) -> etree._Element:
    value = ("true" if active else "false") if ctx.quirks.bool_style == "true" else \
        ("1" if active else "0")
    source: list[Item]
    if ctx.quirks.topic_style == "rule_engine" and kind in _RULE_ENGINE:
        topic, item, rule = _RULE_ENGINE[kind]
        source = [("VideoSourceConfigurationToken", f"vsc{channel}"),
                  ("VideoAnalyticsConfigurationToken", "vac1"), ("Rule", rule)]
    else:
        topic, item = _VIDEO_SOURCE[kind], "State"
        source = [("Source", f"vs{channel}")]
    return _notification(topic, at, operation, source, [(item, value)])


def _notification(topic: str, at: float | str, operation: str, source: list[Item],
                  data: list[Item] | None) -> etree._Element:
    utc = at if isinstance(at, str) else xs_datetime(at)
    message = el("tt:Message", el("tt:Source", *[el("tt:SimpleItem", Name=n, Value=v)
                                                 for n, v in source]),
                 el("tt:Data", *[el("tt:SimpleItem", Name=n, Value=v) for n, v in data])
                 if data is not None else None,
                 UtcTime=utc, PropertyOperation=operation)
    return el("wsnt:NotificationMessage", el("wsnt:Topic", topic, Dialect=CONCRETE_SET),
              el("wsnt:Message", message))


def _malformed() -> etree._Element:
    return _notification("tns1:RuleEngine/CellMotionDetector/Motion", "0000-00-00T00:00:00Z",
                         "Changed", [("Rule", "MyMotionDetectorRule")], None)
