"""Micro-benchmark of the SNMP codec: ours vs pysnmp/pyasn1, one JSON line on stdout.

Why: the poller's CPU budget is set by these numbers (encode a 30-varbind GET, decode its
30-varbind response); the README and the lead's capacity plan quote them. `columns` is the
poller's path (RequestTemplate.decode_response: values in request order, no VarBind objects).
Run: python bench/snmp_codec.py [--n 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.sdk.snmp import (
    Message,
    PduType,
    RequestTemplate,
    Tag,
    VarBind,
    decode_message,
    encode_message,
)

__all__ = ["main"]

OIDS = [(1, 3, 6, 1, 4, 1, 1206, 4, 2, 1, 1, 4, 1, 4, i) for i in range(1, 31)]


def per_op_us(fn: Callable[[], object], n: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        best = min(best, (time.perf_counter() - t0) / n)
    return round(best * 1e6, 2)


def pysnmp_side(n: int) -> dict[str, float]:
    from pyasn1.codec.ber import decoder, encoder  # type: ignore[import-untyped]
    from pysnmp.proto import api  # type: ignore[import-untyped]

    p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]

    def build_get() -> bytes:
        pdu = p.GetRequestPDU()
        p.apiPDU.set_defaults(pdu)
        p.apiPDU.set_request_id(pdu, 12345678)
        p.apiPDU.set_varbinds(pdu, [(o, p.Null("")) for o in OIDS])
        msg = p.Message()
        p.apiMessage.set_defaults(msg)
        p.apiMessage.set_community(msg, b"public")
        p.apiMessage.set_pdu(msg, pdu)
        return bytes(encoder.encode(msg))

    resp = encode_message(Message(1, b"public", PduType.RESPONSE, 12345678, 0, 0,
                                  tuple(VarBind(o, Tag.INTEGER, i * 1000) for i, o in
                                        enumerate(OIDS))))

    def parse() -> object:
        msg, _ = decoder.decode(resp, asn1Spec=p.Message())
        return p.apiPDU.get_varbinds(p.apiMessage.get_pdu(msg))

    return {
        "pysnmp_encode_get30_us": per_op_us(build_get, max(n // 20, 20)),
        "pysnmp_decode_resp30_us": per_op_us(parse, max(n // 20, 20)),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--no-pysnmp", action="store_true")
    args = ap.parse_args()
    n = args.n
    get = Message(1, b"public", PduType.GET, 12345678, 0, 0, tuple(VarBind(o) for o in OIDS))
    tmpl = RequestTemplate(1, b"public", PduType.GET, OIDS)
    resp = encode_message(Message(1, b"public", PduType.RESPONSE, 12345678, 0, 0,
                                  tuple(VarBind(o, Tag.INTEGER, i * 1000) for i, o in
                                        enumerate(OIDS))))
    assert tmpl.encode(12345678) == encode_message(get)
    enc_us = per_op_us(lambda: encode_message(get), n)
    dec_us = per_op_us(lambda: decode_message(resp), n)
    out: dict[str, object] = {
        "varbinds": len(OIDS),
        "ours_encode_get30_us": enc_us,
        "ours_template_encode_get30_us": per_op_us(lambda: tmpl.encode(12345678), n * 10),
        "ours_decode_resp30_us": dec_us,
        "ours_decode_resp30_columns_us": per_op_us(lambda: tmpl.decode_response(resp), n),
        "response_bytes": len(resp),
    }
    if not args.no_pysnmp:
        theirs = pysnmp_side(n)
        out.update(theirs)
        out["encode_speedup"] = round(theirs["pysnmp_encode_get30_us"] / enc_us, 1)
        out["decode_speedup"] = round(theirs["pysnmp_decode_resp30_us"] / dec_us, 1)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
