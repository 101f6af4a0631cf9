"""Property tests of the multipart splitter (gateway.sdk.http) and the alert-part decoder:
whatever the chunking, parts come out intact; whatever the bytes, nothing raises and memory
stays bounded; a broken part never costs the next one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.hikvision import codec
from gateway.sdk import DecodeError
from gateway.sdk.http import MultipartSplitter, Part, PartError

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

boundaries = st.text(st.sampled_from("abcXYZ019_=.+"), min_size=1, max_size=20)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30)


def frame(boundary: str, headers: dict[str, str], body: bytes, with_length: bool) -> bytes:
    lines = [f"--{boundary}"] + [f"{k}: {v}" for k, v in headers.items()]
    if with_length:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body + b"\r\n"


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:], strict=False)]


def feed_all(splitter: MultipartSplitter, pieces: list[bytes]) -> list[Part | PartError]:
    out: list[Part | PartError] = []
    for piece in pieces:
        out += splitter.feed(piece)
    return out


@st.composite
def streams(draw: st.DrawFn) -> tuple[str, list[tuple[dict[str, str], bytes, bool]]]:
    boundary = draw(boundaries)
    token = b"--" + boundary.encode()
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        body = draw(st.binary(max_size=300).filter(lambda b: token not in b))
        headers = {"content-type": draw(st.sampled_from(
            ["application/xml", "text/plain", "image/jpeg"]))}
        if draw(st.booleans()):
            headers["x-extra"] = draw(header_values).strip().replace(boundary, "")
        parts.append((headers, body, draw(st.booleans())))
    return boundary, parts


@FAST
@given(streams(), st.lists(st.integers(0, 10_000), max_size=12))
def test_any_chunking_gives_the_same_parts(
        stream: tuple[str, list[tuple[dict[str, str], bytes, bool]]], cuts: list[int]) -> None:
    boundary, parts = stream
    data = b"preamble\r\n" + b"".join(frame(boundary, h, b, n) for h, b, n in parts)
    data += f"--{boundary}--\r\n".encode()
    out = feed_all(MultipartSplitter(boundary), chunked(data, cuts))
    assert all(isinstance(p, Part) for p in out), out
    assert [(p.headers["content-type"], p.body) for p in out if isinstance(p, Part)] == \
        [(h["content-type"], b) for h, b, _ in parts]


@FAST
@given(boundaries, st.lists(st.binary(max_size=400), max_size=20))
def test_arbitrary_bytes_never_raise_and_stay_bounded(boundary: str,
                                                      pieces: list[bytes]) -> None:
    splitter = MultipartSplitter(boundary, max_part_bytes=256)
    for piece in pieces:
        splitter.feed(piece)
        assert splitter.pending_bytes <= 256 + 8 * 1024 + 512


@FAST
@given(streams(), st.binary(max_size=200), st.data())
def test_a_broken_part_never_costs_the_next(
        stream: tuple[str, list[tuple[dict[str, str], bytes, bool]]], junk: bytes,
        data: st.DataObject) -> None:
    boundary, parts = stream
    token = b"--" + boundary.encode()
    blank = b"\r\n" if data.draw(st.booleans()) else b""  # without it: headers never end
    junk = blank + junk.replace(token, b"").replace(b"-", b"")
    head = f"--{boundary}\r\nContent-Type: application/xml\r\n".encode()
    # a Content-Length that lies: none, anything, or ending inside the next boundary
    near = len(junk) + 2 + data.draw(st.integers(-2, len(token) + 4))
    lie = data.draw(st.one_of(st.none(), st.integers(0, 600), st.just(near)))
    if lie is not None:
        head += f"Content-Length: {lie}\r\n".encode()
    broken = head + junk + b"\r\n"
    last_headers, last_body = {"content-type": "application/xml"}, b"<last/>"
    stream_bytes = (broken + b"".join(frame(boundary, h, b, n) for h, b, n in parts)
                    + frame(boundary, last_headers, last_body, True))
    cuts = data.draw(st.lists(st.integers(0, len(stream_bytes)), max_size=6))
    if lie is not None:  # also cut exactly where the lying body ends
        cuts.append(len(head) + 2 + lie)
    out = feed_all(MultipartSplitter(boundary), chunked(stream_bytes, cuts))
    good = [p for p in out if isinstance(p, Part)]
    assert good and good[-1].body == last_body
    assert [p.body for p in good[-len(parts) - 1:-1]] == [b for _, b, _ in parts]


@FAST
@given(st.binary(max_size=600))
def test_alert_decoder_raises_only_decode_error(body: bytes) -> None:
    try:
        codec.parse_alert(codec.parse_xml(body, "fuzz"))
    except DecodeError:
        pass


@FAST
@given(st.dictionaries(st.sampled_from(["eventType", "eventState", "channelID",
                                        "activePostCount", "dateTime", "dynChannelID"]),
                       st.text(st.characters(blacklist_categories=("Cs", "Cc", "Cn")), max_size=20),
                       min_size=1),
       st.sampled_from(["", ' xmlns="http://www.isapi.org/ver20/XMLSchema"',
                        ' xmlns="urn:psialliance-org"']))
def test_alert_fields_of_any_content_decode_or_refuse_cleanly(fields: dict[str, str],
                                                              ns: str) -> None:
    from xml.sax.saxutils import escape
    inner = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items())
    doc = f"<EventNotificationAlert{ns}>{inner}</EventNotificationAlert>".encode()
    try:
        alert = codec.parse_alert(codec.parse_xml(doc, "fuzz"))
    except DecodeError:
        assert not fields.get("eventType", "").strip()
        return
    assert alert.event_type == fields["eventType"].strip()
