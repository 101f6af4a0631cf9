"""SOAP 1.2 envelopes for ONVIF, built and read with lxml: no WSDL, no zeep.

Device XML is untrusted, so it is parsed with entity resolution, DTD loading and network access
off and libxml2's size limits on (`huge_tree=False`); any document that declares a DTD is
refused (SOAP 1.2 forbids them), which turns an XML bomb or an external entity into a
DecodeError before anything reads it. WS-UsernameToken headers follow the OASIS recipe with the
camera's clock (cameras.md §1.4).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

from adapters.onvif.const import BASE64_BINARY, NS, PASSWORD_DIGEST
from gateway.sdk import DecodeError, ProtocolError

__all__ = ["Fault", "q", "el", "build", "parse_envelope", "parse_fault", "username_token",
           "addressing", "password_digest", "text", "texts", "parse_time", "parse_duration",
           "xs_time", "AUTH_SUBCODES", "UnsafeXml", "system_time"]

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          load_dtd=False, dtd_validation=False, remove_blank_text=True,
                          collect_ids=False)
# Fault subcodes that mean "your credentials (or their timestamp) were not accepted".
AUTH_SUBCODES = frozenset({"NotAuthorized", "FailedAuthentication", "InvalidSecurity",
                           "InvalidSecurityToken", "MessageExpired"})


class UnsafeXml(DecodeError):
    """The device sent a DTD (entities, external references): refused before reading."""


@dataclass(slots=True, frozen=True)
class Fault:
    code: str  # "Sender" | "Receiver" | ...
    subcodes: tuple[str, ...]  # local names, outermost first
    reason: str
    detail: tuple[str, ...] = ()  # local names of the detail's children

    def has(self, *names: str) -> bool:
        return any(n in self.subcodes or n in self.detail for n in names)

    @property
    def is_auth(self) -> bool:
        return bool(AUTH_SUBCODES.intersection(self.subcodes)) or \
            "not authorized" in self.reason.lower()

    def __str__(self) -> str:
        return "/".join((self.code, *self.subcodes)) + f": {self.reason}"


def q(tag: str) -> str:
    """'tt:Name' -> '{http://www.onvif.org/ver10/schema}Name'."""
    prefix, _, local = tag.partition(":")
    return f"{{{NS[prefix]}}}{local}"


def el(tag: str, *children: etree._Element | str | None, **attrib: str) -> etree._Element:
    """One element: a string child is its text, None children are skipped."""
    node = etree.Element(q(tag), attrib=attrib)
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            node.text = child
        else:
            node.append(child)
    return node


def build(body: etree._Element, header: list[etree._Element]) -> bytes:
    root = etree.Element(q("env:Envelope"), nsmap={
        k: NS[k] for k in ("env", "tds", "trt", "tr2", "tptz", "tev", "tt", "wsnt", "wsa")})
    if header:
        etree.SubElement(root, q("env:Header")).extend(header)
    etree.SubElement(root, q("env:Body")).append(body)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _parse(data: bytes) -> etree._Element:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise DecodeError(f"device sent XML that does not parse: {err}") from err
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise UnsafeXml("device sent a document type declaration (not allowed in SOAP; "
                          "possible XML bomb or external entity): refused")
    return root


def parse_envelope(data: bytes) -> tuple[etree._Element | None, Fault | None]:
    """The first child of env:Body, or the Fault it carries. Raises DecodeError on bytes that
    are not XML (or carry a DTD) and ProtocolError on XML that is not a SOAP 1.2 envelope."""
    root = _parse(data)
    if root.tag != q("env:Envelope"):
        raise ProtocolError(f"device answered {etree.QName(root).localname}, not a SOAP 1.2 "
                            "envelope")
    body = root.find(q("env:Body"))
    if body is None:
        raise ProtocolError("SOAP envelope without a Body")
    first = next(iter(body), None)
    if first is not None and first.tag == q("env:Fault"):
        return None, parse_fault(first)
    return first, None


def parse_fault(node: etree._Element) -> Fault:
    code_node = node.find(q("env:Code"))
    code, subcodes = "", []
    if code_node is not None:
        code = _local(code_node.findtext(q("env:Value")))
        sub = code_node.find(q("env:Subcode"))
        while sub is not None:
            subcodes.append(_local(sub.findtext(q("env:Value"))))
            sub = sub.find(q("env:Subcode"))
    reason = " ".join((t.text or "").strip() for t in node.iter(q("env:Text")))
    detail_node = node.find(q("env:Detail"))
    detail = tuple(etree.QName(c).localname for c in detail_node
                   if isinstance(c.tag, str)) if detail_node is not None else ()
    return Fault(code, tuple(subcodes), reason or "(no reason)", detail)


def _local(value: str | None) -> str:
    return (value or "").strip().rpartition(":")[2]


def password_digest(nonce: bytes, created: str, password: str) -> str:
    """Base64(SHA-1(nonce + created + password)), OASIS UsernameToken Profile 1.0."""
    return base64.b64encode(hashlib.sha1(nonce + created.encode() + password.encode())
                            .digest()).decode()


def username_token(username: str, password: str, device_now: datetime,
                   nonce: bytes | None = None) -> etree._Element:
    """A wsse:Security header whose Created is `device_now` (the camera's clock)."""
    nonce = nonce if nonce is not None else os.urandom(16)
    created = xs_time(device_now)
    token = el("wsse:UsernameToken", el("wsse:Username", username),
               el("wsse:Password", password_digest(nonce, created, password),
                  Type=PASSWORD_DIGEST),
               el("wsse:Nonce", base64.b64encode(nonce).decode(), EncodingType=BASE64_BINARY),
               el("wsu:Created", created))
    security = etree.Element(q("wsse:Security"), nsmap={"wsse": NS["wsse"], "wsu": NS["wsu"]})
    security.set(q("env:mustUnderstand"), "true")
    security.append(token)
    return security


def addressing(action: str, to: str) -> list[etree._Element]:
    return [el("wsa:Action", action), el("wsa:MessageID", f"urn:uuid:{uuid.uuid4()}"),
            el("wsa:To", to)]


def text(node: etree._Element | None, path: str) -> str | None:
    """Stripped text at an ElementPath of prefixed names ('tt:Resolution/tt:Width')."""
    if node is None:
        return None
    found = node.find("/".join(q(p) if ":" in p else p for p in path.split("/")))
    return found.text.strip() if found is not None and found.text else None


def texts(node: etree._Element, path: str) -> list[etree._Element]:
    return node.findall("/".join(q(p) for p in path.split("/")))


def xs_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{when.microsecond // 1000:03d}Z"


def parse_time(value: str | None) -> datetime | None:
    """A device xs:dateTime, leniently: no zone means UTC; nonsense ('0000-00-00T00:00:00Z',
    overflowing years) is None, never an exception (field-pain-points §1 #8)."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(value: str | None) -> timedelta | None:
    match = _DURATION.match((value or "").strip())
    if not match or not any(match.groups()):
        return None
    d, h, m, s = match.groups()
    return timedelta(days=int(d or 0), hours=int(h or 0), minutes=int(m or 0),
                     seconds=float(s or 0))


def system_time(body: etree._Element) -> datetime | None:
    """UTCDateTime of a GetSystemDateAndTimeResponse (LocalDateTime if that is all there is;
    some cameras report local time as UTC, which is why the offset is always measured)."""
    info = body.find(q("tds:SystemDateAndTime"))
    for tag in ("tt:UTCDateTime", "tt:LocalDateTime"):
        node = info.find(q(tag)) if info is not None else None
        if node is None:
            continue
        try:
            y, mo, d, h, mi, s = (int(text(node, path) or "") for path in (
                "tt:Date/tt:Year", "tt:Date/tt:Month", "tt:Date/tt:Day", "tt:Time/tt:Hour",
                "tt:Time/tt:Minute", "tt:Time/tt:Second"))
            return datetime(y, mo, d, h, mi, s, tzinfo=UTC)
        except ValueError:
            continue
    return None
