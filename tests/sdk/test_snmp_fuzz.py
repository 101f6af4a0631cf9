"""Property tests for the SNMP codec: round trips, agreement with pyasn1, and robustness of
decode_message against random and mutated datagrams (only SnmpDecodeError may escape)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from snmp_pysnmp_bridge import from_pysnmp, to_pysnmp

from gateway.sdk.snmp import (
    Message,
    PduType,
    SnmpDecodeError,
    Tag,
    VarBind,
    decode_message,
    encode_message,
)

FAST = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

arc = st.one_of(st.integers(0, 127), st.integers(128, 2**32 - 1), st.integers(2**32, 2**70))
oids = st.builds(
    lambda head, tail: head + tuple(tail),
    st.one_of(st.tuples(st.integers(0, 1), st.integers(0, 39)), st.tuples(st.just(2), arc)),
    st.lists(arc, max_size=12),
)


def _values(version: int, wide_ints: bool) -> st.SearchStrategy[tuple[int, object]]:
    ints = st.integers(-(2**70), 2**70) if wide_ints else st.integers(-(2**31), 2**31 - 1)
    u32 = st.integers(0, 2**32 - 1)
    choices = [
        st.tuples(st.just(Tag.INTEGER), ints),
        st.tuples(st.just(Tag.OCTET_STRING), st.binary(max_size=300)),
        st.tuples(st.just(Tag.NULL), st.none()),
        st.tuples(st.just(Tag.OBJECT_ID), oids),
        st.tuples(st.just(Tag.IP_ADDRESS), st.binary(min_size=4, max_size=4)),
        st.tuples(st.sampled_from([Tag.COUNTER32, Tag.GAUGE32, Tag.TIMETICKS]), u32),
        st.tuples(st.just(Tag.OPAQUE), st.binary(max_size=40)),
    ]
    if version == 1:
        choices += [
            st.tuples(st.just(Tag.COUNTER64), st.integers(0, 2**64 - 1)),
            st.tuples(
                st.sampled_from([Tag.NO_SUCH_OBJECT, Tag.NO_SUCH_INSTANCE, Tag.END_OF_MIB_VIEW]),
                st.none(),
            ),
        ]
    return st.one_of(choices)  # type: ignore[arg-type]


def _messages(version: int, wide_ints: bool) -> st.SearchStrategy[Message]:
    pdus = [PduType.GET, PduType.GET_NEXT, PduType.RESPONSE, PduType.SET]
    if version == 1:
        pdus.append(PduType.GET_BULK)
    if wide_ints:
        fields = st.tuples(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1))
    else:  # pysnmp's PDU spec constrains these: error-status 0..18, the rest non-negative
        fields = st.tuples(st.integers(0, 18), st.integers(0, 2**31 - 1))
    vbs = st.lists(
        st.builds(lambda o, tv: VarBind(o, *tv), oids, _values(version, wide_ints)), max_size=10
    )
    return st.builds(
        Message,
        version=st.just(version),
        community=st.binary(max_size=40),
        pdu_type=st.sampled_from(pdus),
        request_id=st.integers(-(2**31), 2**31 - 1),
        error_status=st.just(0),
        error_index=st.just(0),
        varbinds=vbs.map(tuple),
    ).flatmap(lambda m: fields.map(lambda f: _with_fields(m, *f)))


def _with_fields(msg: Message, status: int, index: int) -> Message:
    return Message(msg.version, msg.community, msg.pdu_type, msg.request_id, status, index,
                   msg.varbinds)


def messages(wide_ints: bool = True) -> st.SearchStrategy[Message]:
    return st.one_of(_messages(0, wide_ints), _messages(1, wide_ints))


def decode_or_reject(data: bytes) -> Message | None:
    """The robustness contract: a Message, or SnmpDecodeError, nothing else."""
    try:
        msg = decode_message(data)
    except SnmpDecodeError:
        return None
    assert isinstance(msg, Message)
    # Whatever decodes must re-encode and decode to the same thing.
    assert decode_message(encode_message(msg)) == msg
    return msg


@FAST
@given(messages())
def test_round_trip(msg: Message) -> None:
    data = encode_message(msg)
    back = decode_message(data)
    assert back == msg
    assert encode_message(back) == data


@SLOW
@given(messages(wide_ints=False))
def test_agrees_with_pyasn1_both_ways(msg: Message) -> None:
    ours = encode_message(msg)
    assert from_pysnmp(ours) == msg
    assert decode_message(to_pysnmp(msg)) == msg


@FAST
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    decode_or_reject(data)


@FAST
@given(st.binary(max_size=200))
def test_random_bytes_behind_a_valid_header(body: bytes) -> None:
    """Random content inside a correctly framed SEQUENCE reaches the deeper parser."""
    prefix = b"\x30" + (bytes((len(body),)) if len(body) < 128 else bytes((0x81, len(body))))
    decode_or_reject(prefix + body)
    decode_or_reject(b"\x30\x20\x02\x01\x01\x04\x06public\xa2" + body)


_OPS = ["flip", "set", "insert", "delete", "truncate", "extend"]
_SPECIAL = [0x00, 0x7F, 0x80, 0x81, 0x84, 0x85, 0xFF]


def mutate(data: bytes, ops: list[tuple[str, float, int, bytes]]) -> bytes:
    """Apply (op, relative position, byte, insert bytes) edits to an encoded message."""
    buf = bytearray(data)
    for op, where, byte, extra in ops:
        pos = int(where * len(buf)) if buf else 0
        pos = min(pos, max(len(buf) - 1, 0))
        if op == "flip" and buf:
            buf[pos] ^= 1 << (byte & 7)
        elif op == "set" and buf:
            buf[pos] = _SPECIAL[byte % len(_SPECIAL)]
        elif op == "insert":
            buf[pos:pos] = extra
        elif op == "delete" and buf:
            del buf[pos:pos + 1 + (byte & 3)]
        elif op == "truncate":
            del buf[pos:]
        else:
            buf += extra
    return bytes(buf)


edits = st.lists(
    st.tuples(st.sampled_from(_OPS), st.floats(0, 1), st.integers(0, 255),
              st.binary(min_size=1, max_size=4)),
    min_size=1, max_size=4,
)


@FAST
@given(messages(), edits)
def test_mutated_messages(msg: Message, ops: list[tuple[str, float, int, bytes]]) -> None:
    decode_or_reject(mutate(encode_message(msg), ops))


def test_seeded_mutation_sweep_reaches_both_outcomes() -> None:
    """A deterministic 20,000-mutant sweep; also guards against a vacuous fuzz (some mutants
    must still decode, most must be rejected)."""
    import random

    rng = random.Random(1234)
    base = [
        encode_message(Message(v, b"public", PduType.RESPONSE, rng.randrange(2**31), 0, 0, tuple(
            VarBind((1, 3, 6, 1, 4, 1, 1206, i, rng.randrange(300)), t, val)
            for i, (t, val) in enumerate([(Tag.INTEGER, -5), (Tag.OCTET_STRING, b"abc" * 50),
                                          (Tag.COUNTER32, 2**32 - 1), (Tag.OBJECT_ID, (1, 3, 6)),
                                          (Tag.IP_ADDRESS, b"\x01\x02\x03\x04"),
                                          (Tag.NULL, None)])
        )))
        for v in (0, 1)
    ]
    decoded = 0
    for _ in range(20000):
        ops = [(rng.choice(_OPS), rng.random(), rng.randrange(256), rng.randbytes(2))
               for _ in range(rng.randint(1, 3))]
        decoded += decode_or_reject(mutate(rng.choice(base), ops)) is not None
    assert 200 < decoded < 10000, decoded
