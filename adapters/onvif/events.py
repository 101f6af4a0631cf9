"""Pull-point events of one camera: subscribe, long-poll, renew before expiry, resubscribe when
the device forgot the subscription, and unsubscribe when done, so a gateway restart never
leaves subscriptions behind to fill the camera's MaxPullPoints (ONVIF has no call to list
them; field-pain-points §1 #3).

Renewal does not rely on PullMessages keeping the subscription alive (some devices do not,
onvif/specs#506): it renews at `renew_fraction` of the lifetime the device granted, and every
long poll is cut short so that it ends before the renewal is due. A device that answers
TerminationTime == CurrentTime to a relative request ("broken relative time") is sent
absolute times in its own clock from then on.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lxml import etree

from adapters.onvif.codec import el, parse_time, text, texts, xs_time
from adapters.onvif.const import NS
from adapters.onvif.lpr import PlateReads
from adapters.onvif.mapping import subscription_address
from adapters.onvif.soap import FaultError, SoapClient
from adapters.onvif.topics import ALARM_KEYS, Notification, parse_notification
from gateway.model import EventType
from gateway.sdk import JunctionError, ProtocolError

__all__ = ["PullPoint", "EventPump", "is_gone", "run"]

log = logging.getLogger(__name__)
MIN_PULL_S = 1.0  # PullMessages Timeout is sent in whole seconds


def is_gone(err: JunctionError) -> bool:
    """The device no longer knows the subscription (expired, rebooted, unsubscribed)."""
    if isinstance(err, FaultError):
        f = err.fault
        return f.has("ResourceUnknownFault", "ResourceUnknown") or \
            "resource unknown" in f.reason.lower() or "resourceunknown" in f.reason.lower()
    return isinstance(err, ProtocolError) and err.detail.get("http_status") == 404


class PullPoint:
    __slots__ = ("_soap", "_events_path", "ttl_s", "renew_fraction", "address", "_path",
                 "_renew_at", "absolute_times", "created", "renewed", "device")

    def __init__(self, soap: SoapClient, events_path: str, ttl_s: float,
                 renew_fraction: float, device: str) -> None:
        self.device = device
        self._soap = soap
        self._events_path = events_path
        self.ttl_s = ttl_s
        self.renew_fraction = renew_fraction
        self.address: str | None = None  # as the device gave it (wsa:To)
        self._path = ""  # where it is reached: the configured endpoint + its path
        self._renew_at = 0.0
        self.absolute_times = False
        self.created = self.renewed = 0

    def _termination(self) -> str:
        if self.absolute_times:
            return xs_time(self._soap.device_now() + timedelta(seconds=self.ttl_s))
        return f"PT{int(self.ttl_s)}S"

    def _granted(self, body: etree._Element, requested_s: float) -> None:
        current = parse_time(text(body, "wsnt:CurrentTime") or text(body, "tev:CurrentTime"))
        end = parse_time(text(body, "wsnt:TerminationTime") or text(body, "tev:TerminationTime"))
        granted = (end - current).total_seconds() if current and end else requested_s
        if granted < min(1.0, requested_s / 2) and not self.absolute_times:
            self.absolute_times = True
            log.info("device=%s event=broken_relative_time granted_s=%.1f", self.device,
                     granted)
            granted = 0.0  # renew at once, with an absolute time
        self._renew_at = time.monotonic() + max(0.0, granted) * self.renew_fraction

    def seconds_to_renew(self) -> float:
        return self._renew_at - time.monotonic()

    async def create(self) -> None:
        body = el("tev:CreatePullPointSubscription",
                  el("tev:InitialTerminationTime", self._termination()))
        answer = await self._soap.call(self._events_path, NS["tev"], body)
        address = subscription_address(answer)
        if not address:
            raise ProtocolError("CreatePullPointSubscription gave no subscription address")
        self.address, self._path = address, self._soap.path(address)
        self.created += 1
        self._granted(answer, self.ttl_s)

    async def renew(self) -> None:
        body = el("wsnt:Renew", el("wsnt:TerminationTime", self._termination()))
        answer = await self._soap.call(self._path, NS["wsnt"], body, to=self.address)
        self.renewed += 1
        self._granted(answer, self.ttl_s)

    async def pull(self, timeout_s: float, limit: int) -> list[etree._Element]:
        wait = max(1, int(timeout_s))
        body = el("tev:PullMessages", el("tev:Timeout", f"PT{wait}S"),
                  el("tev:MessageLimit", str(limit)))
        answer = await self._soap.call(self._path, NS["tev"], body, to=self.address,
                                       timeout_s=wait + max(5.0, self._soap.timeout_s))
        return texts(answer, "wsnt:NotificationMessage")

    async def unsubscribe(self, timeout_s: float = 2.0) -> None:
        """Best effort: the device may be gone; its subscription then expires on its own."""
        if self.address is None:
            return
        address, self.address = self.address, None
        try:
            await self._soap.call(self._path, NS["wsnt"], el("wsnt:Unsubscribe"), to=address,
                                  timeout_s=timeout_s)
        except JunctionError as err:
            log.info("device=%s event=unsubscribe_failed reason=%s message=%s", self.device,
                     err.reason, err.message)


Sink = Callable[[EventType, dict[str, object], datetime | None], None]


class EventPump:
    """Turns notifications into canonical events and keeps the camera's alarm flags; plate
    reads (Profile M) go to `plates` when the device has them."""

    __slots__ = ("_soap", "_emit", "alarms", "_unknown", "malformed", "device", "plates")

    def __init__(self, soap: SoapClient, emit: Sink, device: str,
                 plates: PlateReads | None = None) -> None:
        self.device = device
        self._soap = soap
        self._emit = emit
        self.alarms: dict[str, bool] = {}
        self._unknown: set[str] = set()
        self.malformed = 0
        self.plates = plates

    async def deliver(self, node: etree._Element) -> None:
        """One notification: a plate read is decoded and stored or announced (awaiting the
        durable commit); anything else goes through `handle`."""
        n = parse_notification(node)
        if self.plates is not None and n is not None and self.plates.topics.matches(n):
            await self.plates.handle(node, n, self._soap.offset)
            return
        self._handle(n)

    def handle(self, node: etree._Element) -> None:
        self._handle(parse_notification(node))

    def _handle(self, n: Notification | None) -> None:
        if n is None or n.event is None or n.active is None:
            if n is None or n.event is not None:  # a known topic without a usable state
                self.malformed += 1
            topic = n.topic if n is not None else "(no topic)"
            if topic not in self._unknown:  # log each odd topic once
                self._unknown.add(topic)
                log.info("device=%s event=notification_skipped topic=%s", self.device, topic)
            return
        key = ALARM_KEYS[n.event]
        previous = self.alarms.get(key)
        self.alarms[key] = n.active
        if n.operation == "Initialized" and previous == n.active:
            return
        if n.operation == "Initialized" and previous is None and not n.active:
            return  # the starting state, not an event
        when = (n.time - self._soap.offset).astimezone(UTC) if n.time else None
        data: dict[str, object] = {"active": n.active, "channel": n.channel, "topic": n.topic,
                                   "source": dict(n.source)}
        if n.time is not None:
            data["device_time"] = n.time.isoformat()
        self._emit(n.event, data, when)


async def run(pullpoint: PullPoint, pump: EventPump, pull_timeout_s: float,
              limit: int) -> None:
    """Subscribe and deliver events until cancelled or a transport error; always leaves the
    device without our subscription (unsubscribed, or already gone)."""
    try:
        await pullpoint.create()
        while True:
            if pullpoint.seconds_to_renew() < MIN_PULL_S:  # no full pull fits before it
                try:
                    await pullpoint.renew()
                except JunctionError as err:
                    if not is_gone(err):
                        raise
                    log.info("device=%s event=subscription_lost action=resubscribe",
                             pullpoint.device)
                    pullpoint.address = None
                    await pullpoint.create()
            wait = min(pull_timeout_s, max(MIN_PULL_S, pullpoint.seconds_to_renew()))
            try:
                messages = await pullpoint.pull(wait, limit)
            except JunctionError as err:
                if not is_gone(err):
                    raise
                log.info("device=%s event=subscription_lost action=resubscribe",
                         pullpoint.device)
                pullpoint.address = None
                await pullpoint.create()
                continue
            for node in messages:
                await pump.deliver(node)
    finally:
        await asyncio.shield(pullpoint.unsubscribe())
