"""The poller's columnar GET decoder (gateway/sdk/snmp/response.py) against the full decoder:
for every datagram, the same verdict (accepted or SnmpDecodeError) and the same values; for
the usual poll answer, the fast path is the one taken; pysnmp-encoded answers decode alike."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snmp_pysnmp_bridge import to_pysnmp
from test_snmp_fuzz import _values, edits, mutate, oids

from gateway.sdk.errors import ProtocolError
from gateway.sdk.snmp import (
    ErrorStatus,
    GetResponse,
    Message,
    PduType,
    RequestTemplate,
    SnmpDecodeError,
    Tag,
    VarBind,
    decode_message,
    encode_message,
)
from gateway.sdk.snmp.response import ResponseShape, response_id

FAST = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NTCIP = (1, 3, 6, 1, 4, 1, 1206, 4, 2, 1)
POLL_OIDS = [(1, 3, 6, 1, 2, 1, 1, 3, 0)] + [NTCIP + (1, 4, 1, c, g) for c in range(2, 10)
                                             for g in (1, 2)] + [NTCIP + (3, i, 0)
                                                                 for i in range(1, 14)]


def reference(data: bytes, asked: list[tuple[int, ...]]) -> GetResponse | None:
    """What the columns must be, from the full decoder; None where it rejects the datagram."""
    try:
        msg = decode_message(data)
    except SnmpDecodeError:
        return None
    if msg.error_status:
        return GetResponse(msg.error_status, msg.error_index, b"", [])
    if [vb.oid for vb in msg.varbinds] != asked:
        raise ProtocolError("mismatch")
    return GetResponse(0, msg.error_index, bytes(vb.tag for vb in msg.varbinds),
                       [vb.value for vb in msg.varbinds])


def agree(shape: ResponseShape, data: bytes, asked: list[tuple[int, ...]]) -> GetResponse | None:
    try:
        want = reference(data, asked)
    except ProtocolError:
        with pytest.raises(ProtocolError):
            shape.decode(data)
        return None
    if want is None:
        with pytest.raises(SnmpDecodeError):
            shape.decode(data)
        return None
    got = shape.decode(data)
    assert got == want
    assert got.ints_only == all(type(v) is int for v in got.values)
    return got


def answer(version: int, community: bytes, binds: list[VarBind], rid: int = 4242,
           status: int = 0, index: int = 0) -> bytes:
    return encode_message(Message(version, community, PduType.RESPONSE, rid, status, index,
                                  tuple(binds)))


def poll_answer(rng: random.Random) -> tuple[bytes, list[VarBind]]:
    binds = [VarBind(POLL_OIDS[0], Tag.TIMETICKS, rng.randrange(2**32))] + [
        VarBind(o, Tag.INTEGER, rng.choice([0, 1, 127, 128, 255, -1, 2**31 - 1, -(2**31)]))
        for o in POLL_OIDS[1:]]
    return answer(1, b"public", binds, rid=rng.randrange(-(2**31), 2**31)), binds


def test_usual_poll_answer_takes_the_fast_path_with_the_full_decoders_values() -> None:
    rng = random.Random(7)
    shape = ResponseShape(1, b"public", POLL_OIDS)
    for _ in range(200):
        data, binds = poll_answer(rng)
        fast = shape._match(data)
        assert fast is not None
        assert fast == agree(shape, data, POLL_OIDS)
        assert fast.values == [b.value for b in binds] and fast.ints_only
        assert response_id(data) == decode_message(data).request_id


@FAST
@given(st.integers(0, 1), st.binary(max_size=140),
       st.lists(st.tuples(oids, _values(1, True)), min_size=1, max_size=8,
                unique_by=lambda pair: pair[0]))
def test_any_answer_decodes_as_the_full_decoder_says(
        version: int, community: bytes, pairs: list[tuple[tuple[int, ...], tuple[int, object]]]
) -> None:
    asked = [o for o, _ in pairs]
    data = answer(version, community, [VarBind(o, *tv) for o, tv in pairs])
    agree(ResponseShape(version, community, asked), data, asked)


@FAST
@given(st.integers(0, 2), edits)
def test_mutated_poll_answers_get_the_full_decoders_verdict(
        seed: int, ops: list[tuple[str, float, int, bytes]]) -> None:
    data, _ = poll_answer(random.Random(seed))
    agree(ResponseShape(1, b"public", POLL_OIDS), mutate(data, ops), POLL_OIDS)


def test_seeded_mutation_sweep_keeps_fast_path_honest() -> None:
    """20,000 mutants of poll answers: every verdict equals the full decoder's, and some
    mutants are still accepted by the fast path (so the sweep tests it, not only fallback)."""
    rng = random.Random(99)
    shape = ResponseShape(1, b"public", POLL_OIDS)
    fast = accepted = 0
    for _ in range(20000):
        data, _ = poll_answer(rng)
        ops = [(rng.choice(["flip", "set", "insert", "delete", "truncate", "extend"]),
                rng.random(), rng.randrange(256), rng.randbytes(2)) for _ in range(1)]
        mutant = mutate(data, ops)
        accepted += agree(shape, mutant, POLL_OIDS) is not None
        fast += shape._match(mutant) is not None
    assert 100 < fast <= accepted < 20000, (fast, accepted)


def test_values_inside_a_value_that_look_like_the_next_varbind_fall_back_correctly() -> None:
    """An OCTET STRING that contains the next varbind's header bytes: the lazy cut lands in
    the wrong place, the length check sees it, and the full decoder gives the right answer."""
    asked = POLL_OIDS[:3]
    trap = RequestTemplate(1, b"public", PduType.GET, asked[1:2]).encode(1)
    name = re.search(rb"\x30.\x06", trap, re.S)
    assert name is not None
    binds = [VarBind(asked[0], Tag.OCTET_STRING, b"x" + trap[name.start():] + b"y"),
             VarBind(asked[1], Tag.INTEGER, 5), VarBind(asked[2], Tag.INTEGER, 6)]
    shape = ResponseShape(1, b"public", asked)
    got = agree(shape, answer(1, b"public", binds), asked)
    assert got is not None and got.values[1:] == [5, 6]


def test_exceptions_errors_and_wrong_oids() -> None:
    asked = POLL_OIDS[:3]
    shape = ResponseShape(1, b"public", asked)
    missing = answer(1, b"public", [VarBind(asked[0], Tag.INTEGER, 1),
                                    VarBind(asked[1], Tag.NO_SUCH_OBJECT, None),
                                    VarBind(asked[2], Tag.INTEGER, 3)])
    got = agree(shape, missing, asked)
    assert got is not None and got.tags[1] == Tag.NO_SUCH_OBJECT and not got.ints_only
    too_big = answer(1, b"public", [VarBind(o) for o in asked], status=ErrorStatus.TOO_BIG)
    assert shape.decode(too_big) == GetResponse(ErrorStatus.TOO_BIG, 0, b"", [])
    reordered = answer(1, b"public", [VarBind(o, Tag.INTEGER, 1) for o in reversed(asked)])
    with pytest.raises(ProtocolError, match="do not match"):
        shape.decode(reordered)


@pytest.mark.parametrize("version", [0, 1])
def test_pysnmp_encoded_answers_decode_alike(version: int) -> None:
    rng = random.Random(version)
    shape = ResponseShape(version, b"public", POLL_OIDS)
    for _ in range(20):
        _, binds = poll_answer(rng)
        msg = Message(version, b"public", PduType.RESPONSE, rng.randrange(2**31), 0, 0,
                      tuple(binds))
        data = to_pysnmp(msg)  # pyasn1's encoder, not ours
        got = agree(shape, data, POLL_OIDS)
        assert got is not None and got.values == [b.value for b in binds]


def raw_answer(asked: list[tuple[int, ...]], binds: list[tuple[int, int, bytes]]) -> bytes:
    """A hand-built answer: per varbind (varbind length error, declared value length, value
    bytes), so lengths can lie in ways that still add up for the enclosing containers."""
    from gateway.sdk.snmp.ber import encode_length, encode_oid, encode_tlv

    body = b""
    for oid, (seq_error, declared, value) in zip(asked, binds, strict=True):
        name = encode_oid(oid)
        body += bytes((0x30, len(name) + 2 + declared + seq_error)) + name + \
            bytes((0x02, declared)) + value
    pdu = b"\x02\x01\x07\x02\x01\x00\x02\x01\x00" + b"\x30" + encode_length(len(body)) + body
    return encode_tlv(0x30, b"\x02\x01\x01\x04\x06public" + encode_tlv(0xA2, pdu))


@pytest.mark.parametrize("binds", [
    [(0, 1, b"\x01\x02"), (0, 2, b"\x03")],  # value lengths lie, in opposite directions
    [(1, 1, b"\x01"), (-1, 1, b"\x02")],  # varbind lengths lie, in opposite directions
], ids=["value-lengths", "varbind-lengths"])
def test_compensating_length_lies_are_rejected_as_the_full_decoder_does(
        binds: list[tuple[int, int, bytes]]) -> None:
    asked = POLL_OIDS[1:3]
    data = raw_answer(asked, binds)
    with pytest.raises(SnmpDecodeError):
        decode_message(data)
    with pytest.raises(SnmpDecodeError):
        ResponseShape(1, b"public", asked).decode(data)
    honest = raw_answer(asked, [(0, 1, b"\x01"), (0, 1, b"\x02")])
    assert ResponseShape(1, b"public", asked)._match(honest) == GetResponse(0, 0, b"\x02\x02",
                                                                            [1, 2])
