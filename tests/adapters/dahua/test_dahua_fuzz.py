"""Property tests of the Dahua text codecs and of event-stream framing as Dahua writes it:
key=value bodies round-trip (split on the first '='), no body makes a parser raise anything
but DecodeError, and Dahua-framed parts survive any chunking."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.dahua import codec
from gateway.sdk import DecodeError
from gateway.sdk.http import MultipartSplitter, Part

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow])

keys = st.text(st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters="="),
               min_size=1, max_size=30)
values = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40).map(str.strip)


@FAST
@given(st.dictionaries(keys, values, max_size=20), st.sampled_from(["\r\n", "\n"]))
def test_key_value_round_trip(pairs: dict[str, str], newline: str) -> None:
    text = newline.join(f"{k}={v}" for k, v in pairs.items()) + newline
    assert codec.parse_kv(text) == pairs


@FAST
@given(st.text(max_size=500))
def test_text_parsers_never_raise(text: str) -> None:
    codec.parse_kv(text)
    codec.parse_encode(text)
    codec.parse_presets(text)
    codec.parse_ptz_status(text)
    codec.parse_current_time(text, 0)
    codec.parse_software_version(text)
    codec.first_number(text)
    codec.error_reason(text.encode())
    try:
        codec.parse_event(text)
    except DecodeError:
        pass


@FAST
@given(st.lists(st.tuples(st.sampled_from(["VideoMotion", "VideoLoss", "VideoBlind"]),
                          st.sampled_from(["Start", "Stop"]), st.integers(0, 15)),
                min_size=1, max_size=8),
       st.lists(st.integers(0, 5000), max_size=10))
def test_dahua_framed_events_survive_any_chunking(events: list[tuple[str, str, int]],
                                                  cuts: list[int]) -> None:
    stream = b""
    for code, action, index in events:
        body = f"Code={code};action={action};index={index}\r\n".encode()
        stream += (b"--myboundary\r\nContent-Type: text/plain\r\nContent-Length: "
                   + str(len(body)).encode() + b"\r\n\r\n" + body + b"\r\n")
        stream += b"--myboundary\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\n" \
                  b"Heartbeat\r\n\r\n"
    points = sorted({c % (len(stream) + 1) for c in cuts} | {0, len(stream)})
    splitter = MultipartSplitter("myboundary")
    parts = [p for a, b in zip(points, points[1:], strict=False)
             for p in splitter.feed(stream[a:b])]
    decoded = [codec.parse_event(p.body.decode()) for p in parts if isinstance(p, Part)]
    assert [(e.code, e.action, e.index) for e in decoded if not e.is_heartbeat] == events
    assert sum(e.is_heartbeat for e in decoded) == len(events)
