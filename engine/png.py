"""A PNG file from an RGB array, with the standard library's zlib (no imaging package needed)."""

from __future__ import annotations

import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(rgb: np.ndarray) -> bytes:
    """``rgb``: an (height, width, 3) array of uint8. 8-bit truecolour, no filter, zlib level 6."""
    height, width, _ = rgb.shape
    rows = np.hstack([np.zeros((height, 1), dtype=np.uint8), rgb.astype(np.uint8).reshape(height, width * 3)])
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6))
        + _chunk(b"IEND", b"")
    )
