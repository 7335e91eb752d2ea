"""Small real audio files for tests, made with the standard library."""

from __future__ import annotations

import io
import math
import struct
import wave


def wav_tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A WAV file any browser plays: a quiet 440 Hz tone, 16-bit mono."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return out.getvalue()


def ogg_page(payload: bytes, granule: int, *, first: bool = False) -> bytes:
    """One Ogg page holding ``payload`` as one packet (no CRC: nothing here decodes it)."""
    assert len(payload) < 255
    header_type = 0x02 if first else 0x00
    return (
        b"OggS"
        + struct.pack("<BBqIII", 0, header_type, granule, 1, 0, 0)
        + bytes([1, len(payload)])
        + payload
    )


def ogg_opus(seconds: float, pre_skip: int = 312) -> bytes:
    """The pages of an Ogg/Opus stream whose last granule position says ``seconds``."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, pre_skip, 48_000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 0) + struct.pack("<I", 0)
    last = pre_skip + int(seconds * 48_000)
    return (
        ogg_page(head, 0, first=True)
        + ogg_page(tags, 0)
        + ogg_page(b"\xfc" * 40, last // 2)
        + ogg_page(b"\xfc" * 40, last)
    )
