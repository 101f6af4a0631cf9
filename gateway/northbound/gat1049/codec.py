"""GA/T 1049.1 envelopes: parse a frame's XML safely, build answers and pushes.

Layout (element names as in the `MartinMeng001/ga-t1049-parent` model classes, reference §4.1):
`<Message><Version/><Token/><From><Address><Sys/><SubSys/><Instance/></Address></From><To>…</To>
<Type>REQUEST|RESPONSE|PUSH|ERROR</Type><Seq/><Body><Operation order="1" name="Get">objects…
</Operation></Body></Message>`. Parsing is namespace-agnostic (that implementation names two
different namespaces [I]) and written without one.

Safety: lxml with entity resolution, network access and DTD loading off; a document that carries
a DOCTYPE at all is refused (no entity tricks), as are deeply nested trees (libxml2's default
limits). Text that could break the `\r\n` framing or is not valid XML 1.0 is cleaned when built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from lxml import etree

__all__ = [
    "MessageError", "Operation", "Envelope", "parse_message", "build_message", "el", "text_of",
    "local", "VERSION", "TYPES",
]

VERSION = "2.0"
TYPES = frozenset({"REQUEST", "RESPONSE", "PUSH", "ERROR"})
_VERSION_RE = re.compile(r"^\d\.\d$")
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                          dtd_validation=False, huge_tree=False, remove_comments=True,
                          remove_pis=True, remove_blank_text=True)


class MessageError(ValueError):
    """A frame that is not a usable GA/T 1049 message. `err_type` is the SDO_Error code."""

    def __init__(self, err_type: str, message: str, seq: str = "") -> None:
        super().__init__(message)
        self.err_type = err_type
        self.message = message
        self.seq = seq


@dataclass(slots=True)
class Operation:
    order: int
    name: str
    objects: list[etree._Element] = field(default_factory=list)


@dataclass(slots=True)
class Envelope:
    version: str
    token: str
    type: str
    seq: str
    from_sys: str
    operations: list[Operation]


def local(element: etree._Element) -> str:
    tag = element.tag
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(element: etree._Element, name: str) -> etree._Element | None:
    for child in element:
        if local(child) == name:
            return child
    return None


def text_of(element: etree._Element, name: str) -> str | None:
    """Stripped text of the first child named `name` (any namespace), or None if absent."""
    child = _child(element, name)
    if child is None:
        return None
    return (child.text or "").strip()


def parse_message(frame: bytes) -> Envelope:
    """Parse one frame. Raises MessageError (SDE_Unknown for XML that does not parse)."""
    if _DOCTYPE.search(frame):
        raise MessageError("SDE_Unknown", "a DOCTYPE is not accepted")
    try:
        root = etree.fromstring(frame, _PARSER)
    except (etree.XMLSyntaxError, ValueError) as err:
        raise MessageError("SDE_Unknown", f"malformed XML: {str(err)[:200]}") from None
    if local(root) != "Message":
        raise MessageError("SDE_Unknown", f"root element is <{local(root)}>, not <Message>")
    seq = text_of(root, "Seq") or ""
    version = text_of(root, "Version") or ""
    if not _VERSION_RE.match(version):
        raise MessageError("SDE_Version", f"bad Version {version[:20]!r}", seq)
    kind = text_of(root, "Type") or ""
    if kind not in TYPES:
        raise MessageError("SDE_MsgType", f"bad Type {kind[:20]!r}", seq)
    sender = _child(root, "From")
    address = _child(sender, "Address") if sender is not None else None
    body = _child(root, "Body")
    operations = []
    for n, op in enumerate(body if body is not None else (), start=1):
        if local(op) != "Operation":
            continue
        order = op.get("order", "")
        operations.append(Operation(order=int(order) if order.isdigit() else n,
                                    name=op.get("name", "")[:32],
                                    objects=[o for o in op if isinstance(o.tag, str)]))
    if not operations:
        raise MessageError("SDE_OperName", "the Body holds no Operation", seq)
    return Envelope(version=version, token=text_of(root, "Token") or "", type=kind, seq=seq[:20],
                    from_sys=(text_of(address, "Sys") if address is not None else None) or "",
                    operations=operations)


def _clean(text: str) -> str:
    return _BAD_CHARS.sub("", text.replace("\r", " ").replace("\n", " "))


def el(name: str, text: str | int | None = None,
       children: Iterable[etree._Element] = ()) -> etree._Element:
    """<name>text</name> or <name>children…</name>."""
    element = etree.Element(name)
    if text is not None:
        element.text = _clean(str(text))
    for child in children:
        element.append(child)
    return element


def _address(sys: str) -> etree._Element:
    return el("Address", children=[el("Sys", sys), el("SubSys", ""), el("Instance", "")])


def build_message(*, type: str, seq: str, token: str,
                  operations: Sequence[tuple[int, str, Sequence[etree._Element]]],
                  from_sys: str = "UTCS", to_sys: str = "TICP") -> bytes:
    """One frame: the XML declaration, the message and the `\\r\\n` terminator."""
    ops = []
    for order, name, objects in operations:
        op = el("Operation", children=objects)
        op.set("order", str(order))
        op.set("name", name)
        ops.append(op)
    root = el("Message", children=[
        el("Version", VERSION), el("Token", token), el("From", children=[_address(from_sys)]),
        el("To", children=[_address(to_sys)]), el("Type", type), el("Seq", seq),
        el("Body", children=ops)])
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\r\n"
