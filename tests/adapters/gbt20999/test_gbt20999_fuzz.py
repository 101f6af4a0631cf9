"""Fuzzing the GB/T 20999 decoder: any input gives a Frame or DecodeError, never another
exception or a hang; well-formed frames survive a round trip; and replies that pass the CRC but
carry nonsense values never crash the state builder (the poller would log an adapter bug)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.gbt20999 import const as C
from adapters.gbt20999 import reading as R
from adapters.gbt20999.codec import (
    CRC_CCITT,
    CRC_GB20999,
    DataValue,
    Frame,
    FrameCodec,
    LengthMode,
    StreamDeframer,
    escape,
)
from adapters.gbt20999.values import Values
from gateway.sdk import DecodeError

FAST = settings(max_examples=250, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])
CODECS = [FrameCodec(crc, mode, escaped) for crc in (CRC_GB20999, CRC_CCITT)
          for mode in LengthMode for escaped in (True, False)]

values = st.builds(DataValue, st.integers(0, 255), st.integers(0, 255), st.integers(0, 255),
                   st.integers(0, 255), st.binary(max_size=40))
frames = st.builds(Frame, st.integers(0, 255), st.lists(values, max_size=6).map(tuple),
                   st.integers(0, 255), st.integers(0, 0xFFFF), st.integers(0, 255),
                   st.integers(0, 0xFFFFFFFF), st.integers(0, 255))


def decode_or_error(codec: FrameCodec, wire: bytes) -> Frame | DecodeError:
    try:
        return codec.decode(wire)
    except DecodeError as err:
        return err


@FAST
@given(st.sampled_from(CODECS), st.binary(max_size=300))
def test_random_bytes(codec: FrameCodec, wire: bytes) -> None:
    decode_or_error(codec, wire)
    decode_or_error(codec, b"\x7e" + wire + b"\x7d")


@FAST
@given(st.sampled_from(CODECS), frames)
def test_round_trip(codec: FrameCodec, frame: Frame) -> None:
    numbered = Frame(frame.frame_type,
                     tuple(DataValue(v.class_id, v.object_id, v.attribute_id, v.element_id,
                                     v.data, i) for i, v in enumerate(frame.values, 1)),
                     frame.seq, frame.version, frame.center_id, frame.controller_id,
                     frame.intersection)
    assert codec.decode(codec.encode(frame)) == numbered


@FAST
@given(st.sampled_from(CODECS), frames, st.data())
def test_mutated_frames(codec: FrameCodec, frame: Frame, data: st.DataObject) -> None:
    wire = bytearray(codec.encode(frame))
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = data.draw(st.integers(0, max(0, len(wire) - 1)))
        if op == "flip" and wire:
            wire[at] ^= data.draw(st.integers(1, 255))
        elif op == "insert":
            wire.insert(at, data.draw(st.sampled_from([0x7E, 0x7D, 0x5C, 0x00, 0xC0])))
        elif op == "delete" and wire:
            del wire[at]
        elif op == "truncate":
            del wire[at:]
    result = decode_or_error(codec, bytes(wire))
    if isinstance(result, Frame):  # a mutation that still decodes re-encodes consistently
        again = codec.decode(codec.encode(result)).values
        assert [(v.address, v.data) for v in again] == [(v.address, v.data)
                                                        for v in result.values]


@FAST
@given(st.sampled_from(CODECS), st.binary(min_size=11, max_size=120), st.booleans())
def test_random_body_with_a_valid_crc(codec: FrameCodec, payload: bytes,
                                      right_length: bool) -> None:
    """Past the CRC check the parser meets arbitrary counts and value lengths."""
    length = codec.length_mode.length_for(len(payload)) if right_length else len(payload)
    body = (length & 0xFFFF).to_bytes(2, "big") + payload
    inner = body + codec.crc.compute(body).to_bytes(2, "big")
    decode_or_error(codec, b"\x7e" + (escape(inner) if codec.escaped else inner) + b"\x7d")


@FAST
@given(st.booleans(), st.sampled_from(list(LengthMode)),
       st.lists(st.one_of(st.binary(max_size=60), frames.map(FrameCodec().encode)),
                max_size=8),
       st.integers(1, 64))
def test_deframer_never_raises_or_hangs(escaped: bool, mode: LengthMode, chunks: list[bytes],
                                        step: int) -> None:
    codec = FrameCodec(length_mode=mode, escaped=escaped)
    deframer = StreamDeframer(escaped=escaped, length_mode=mode, max_frame=4096)
    stream = b"".join(chunks)
    produced = 0
    for i in range(0, len(stream), step):
        for item in deframer.feed(stream[i:i + step]):
            produced += 1
            if isinstance(item, bytes):
                decode_or_error(codec, item)
            else:
                assert isinstance(item, DecodeError)
    assert produced <= len(stream) + 1


LAYOUT = R.Layout({1: 1, 2: 1, 3: 3}, {1: (1,), 2: (2, 3)}, {1: (1,), 2: (2,)}, 4,
                  {1: (100, 5)}, (1, 2, 3), (1, 2), (1, 2), (1,))
POLLED = [a[:3] for a in R.REQUIRED + R.OPTIONAL]


@FAST
@given(st.lists(st.tuples(st.sampled_from(POLLED), st.integers(0, 3), st.binary(max_size=20)),
                max_size=20))
def test_state_builder_survives_nonsense_values(items: list[tuple[tuple[int, int, int], int,
                                                                   bytes]]) -> None:
    v = Values(DataValue(k[0], k[1], k[2], e, d) for k, e, d in items)
    state, _ = R.build_state(LAYOUT, v, datetime.now(UTC), 1, held=False, missing=set(),
                             reports=0, reported={})
    assert len(state.phases) == 2 and len(state.detectors) == 4
    assert C.RUN_MODE[:3] in POLLED
