"""Images for simulated cameras (snapshots, evidence): small real JPEGs, unique, any size.

Each image is an 8x8 grey baseline JPEG (decodable) with the record's text in a COM segment,
so every image has its own sha256, and optional COM padding segments up to a target size
(the bench wants 200 KB images without spending CPU on an encoder). The padding is one fixed
pseudo-random block, so building an image costs a copy, not random generation.
"""

from __future__ import annotations

import random
import struct

__all__ = ["evidence_jpeg", "JPEG_MAGIC"]

JPEG_MAGIC = b"\xff\xd8\xff"
# An 8x8 grey baseline JPEG, split after SOI/APP0 so comment segments can be inserted.
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000"
    "ffdb004300080606070605080707070909080a0c140d0c0b0b0c1912130f141d1a1f1e1d1a1c1c20242e2720"
    "222c231c1c2837292c30313434341f27393d38323c2e333432"
    "ffc0000b080008000801011100"
    "ffc4001f0000010501010101010100000000000000000102030405060708090a0b"
    "ffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a1"
    "082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a5354"
    "55565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6"
    "a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3"
    "f4f5f6f7f8f9fa"
    "ffda0008010100003f00d2cf20ffd9")
_HEAD, _TAIL = _JPEG[:20], _JPEG[20:]
_SEGMENT = 65533  # largest COM payload
# Letters only: padding can never contain a multipart boundary ("--...") or CR/LF.
_PAD = bytes(random.Random(20261129).choice(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")
             for _ in range(_SEGMENT))


def _com(payload: bytes) -> bytes:
    return b"\xff\xfe" + struct.pack(">H", len(payload) + 2) + payload


def evidence_jpeg(text: str, size: int = 0) -> bytes:
    """A JPEG carrying `text` (time, lane, signal state...) of at least `size` bytes."""
    out = bytearray(_HEAD)
    out += _com(text.encode()[:_SEGMENT])
    missing = size - len(out) - len(_TAIL)
    while missing > 4:
        chunk = min(_SEGMENT, missing - 4)
        out += _com(_PAD[:chunk])
        missing -= chunk + 4
    out += _TAIL
    return bytes(out)
