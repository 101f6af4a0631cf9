"""SOAP 1.2 for the simulated ONVIF device: a hardened request parser and response builders.

A device face meets whatever a client sends, so requests are parsed with entities, DTD loading
and network access off and the size limits of libxml2 kept; a document with a DOCTYPE is
refused outright (SOAP 1.2 forbids DTDs in messages), so an XML bomb or an external entity is
a plain 400 and nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

__all__ = ["NS", "BadRequest", "SoapFault", "Request", "parse_request", "q", "el", "sub",
           "envelope", "fault_envelope", "xs_datetime", "parse_duration", "parse_datetime"]

NS: dict[str, str] = {
    "env": "http://www.w3.org/2003/05/soap-envelope",
    "tds": "http://www.onvif.org/ver10/device/wsdl",
    "trt": "http://www.onvif.org/ver10/media/wsdl",
    "tr2": "http://www.onvif.org/ver20/media/wsdl",
    "tptz": "http://www.onvif.org/ver20/ptz/wsdl",
    "tev": "http://www.onvif.org/ver10/events/wsdl",
    "tt": "http://www.onvif.org/ver10/schema",
    "ter": "http://www.onvif.org/ver10/error",
    "tns1": "http://www.onvif.org/ver10/topics",
    "wsnt": "http://docs.oasis-open.org/wsn/b-2",
    "wstop": "http://docs.oasis-open.org/wsn/t-1",
    "wsa": "http://www.w3.org/2005/08/addressing",
    "wsrf-rw": "http://docs.oasis-open.org/wsrf/rw-2",
    "wsrf-bf": "http://docs.oasis-open.org/wsrf/bf-2",
    "wsse": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd",
    "wsu": "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd",
}

_XML_NS = "http://www.w3.org/XML/1998/namespace"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          load_dtd=False, dtd_validation=False, remove_blank_text=True)


class BadRequest(Exception):
    """Not a SOAP 1.2 message we will read: answered 400 with a short text body."""


class SoapFault(Exception):
    """A SOAP fault. Sender faults travel with HTTP 400, Receiver faults with 500."""

    def __init__(self, code: str, subcodes: tuple[str, ...], reason: str,
                 detail: etree._Element | None = None) -> None:
        super().__init__(reason)
        self.code, self.subcodes, self.reason, self.detail = code, subcodes, reason, detail

    @property
    def http_status(self) -> int:
        return 400 if self.code == "Sender" else 500


@dataclass(slots=True, frozen=True)
class Request:
    header: etree._Element | None
    body: etree._Element  # the operation element, first child of env:Body

    @property
    def operation(self) -> str:
        return etree.QName(self.body).localname

    @property
    def namespace(self) -> str:
        return etree.QName(self.body).namespace or ""

    def header_text(self, tag: str) -> str | None:
        if self.header is None:
            return None
        found = self.header.find(q(tag))
        return found.text.strip() if found is not None and found.text else None


def q(tag: str) -> str:
    """'tt:Name' -> '{http://www.onvif.org/ver10/schema}Name'."""
    prefix, _, local = tag.partition(":")
    namespace = _XML_NS if prefix == "xml" else NS[prefix]
    return f"{{{namespace}}}{local}"


def parse_request(data: bytes) -> Request:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as err:
        raise BadRequest(f"not well-formed XML: {err}") from None
    if _has_doctype(root):
        raise BadRequest("document type declarations are not allowed in SOAP messages")
    if root.tag != q("env:Envelope"):
        raise BadRequest(f"not a SOAP 1.2 envelope: {root.tag}")
    body = root.find(q("env:Body"))
    if body is None or len(body) == 0:
        raise BadRequest("SOAP body is empty")
    return Request(root.find(q("env:Header")), body[0])


def _has_doctype(root: etree._Element) -> bool:
    """True if the document declared a DTD (lxml-stubs lack DocInfo.doctype)."""
    return bool(getattr(root.getroottree().docinfo, "doctype", ""))


def el(tag: str, *children: etree._Element | str | None, **attrib: str) -> etree._Element:
    """Build one element: strings become its text, elements its children, None is skipped."""
    node = etree.Element(q(tag), attrib={_attr(k): v for k, v in attrib.items()})
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            node.text = child
        else:
            node.append(child)
    return node


def sub(tag: str, text: str) -> etree._Element:
    return el(tag, text)


def _attr(name: str) -> str:
    return q(name.replace("__", ":")) if "__" in name else name


def envelope(body: list[etree._Element], header: list[etree._Element] | None = None) -> bytes:
    root = etree.Element(q("env:Envelope"), nsmap=NS)
    if header:
        etree.SubElement(root, q("env:Header")).extend(header)
    etree.SubElement(root, q("env:Body")).extend(body)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def fault_envelope(fault: SoapFault) -> bytes:
    code = el("env:Code", el("env:Value", f"env:{fault.code}"))
    parent = code
    for subcode in fault.subcodes:
        child = el("env:Subcode", el("env:Value", subcode))
        parent.append(child)
        parent = child
    node = el("env:Fault", code,
              el("env:Reason", el("env:Text", fault.reason, **{"xml__lang": "en"})))
    if fault.detail is not None:
        node.append(el("env:Detail", fault.detail))
    return envelope([node])


def xs_datetime(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{int(epoch * 1000) % 1000:03d}Z"


_DURATION = re.compile(r"^-?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_duration(text: str | None) -> float | None:
    """xs:duration without years or months ('PT60S', 'PT1M30S', 'P1D') in seconds."""
    match = _DURATION.match((text or "").strip())
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = match.groups()
    return (int(days or 0) * 86400 + int(hours or 0) * 3600 + int(minutes or 0) * 60
            + float(seconds or 0))


def parse_datetime(text: str | None) -> float | None:
    """xs:dateTime as epoch seconds; a value without a zone is taken as UTC."""
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
