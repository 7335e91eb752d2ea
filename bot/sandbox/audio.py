"""What an audio upload is, read from its bytes: its type, and how long it plays.

A voice note the page records or picks is checked here before it becomes a Telegram
``voice``: the bytes decide the type (a file's name or the browser's word can be wrong),
and the duration comes from the bytes where the container says it (Ogg, WAV), else from
what the page measured while playing or recording it.
"""

from __future__ import annotations

import io
import math
import struct
import wave

MAX_VOICE_SECONDS = 24 * 60 * 60  # a measured duration beyond a day is not believed
VOICE_BYTES_PER_SECOND = 2000  # Opus voice notes run at about 16 kbit/s
NOT_AUDIO = (
    "This file is not a sound recording, so it cannot go as a voice note. "
    "Choose an audio file (Ogg, Opus, MP3, M4A, WAV or WebM), or record one with Voice."
)
_OPUS_RATE = 48_000  # Ogg/Opus granule positions count 48 kHz samples, whatever the input
_OGG_PAGE = b"OggS"


def audio_type(content: bytes) -> str | None:
    """The MIME type of the audio in ``content`` by its signature; ``None`` if not audio."""
    head = content[:12]
    if head.startswith(_OGG_PAGE):
        return "audio/ogg"  # Opus or Vorbis: what Telegram's apps send as voice notes
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"  # EBML: what Chromium's MediaRecorder records
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"  # an M4A recording
    if head.startswith(b"fLaC"):
        return "audio/flac"
    return None


def audio_seconds(content: bytes) -> float | None:
    """How long the audio plays, where the bytes say it without decoding; else ``None``."""
    kind = audio_type(content)
    if kind == "audio/wav":
        return _wav_seconds(content)
    if kind == "audio/ogg":
        return _ogg_seconds(content)
    return None


def voice_duration(content: bytes, measured: float | None) -> int:
    """Telegram's whole-second ``duration``: the bytes' own, else the page's measurement,
    else an estimate from the size at a voice note's bit rate; at least 1."""
    seconds = audio_seconds(content)
    if seconds is None and measured is not None and 0 < measured <= MAX_VOICE_SECONDS:
        seconds = measured
    if seconds is None:
        seconds = len(content) / VOICE_BYTES_PER_SECOND
    return max(1, math.ceil(seconds - 0.05))  # 2.02 s of recording reads as 2 s


def _wav_seconds(content: bytes) -> float | None:
    try:
        with wave.open(io.BytesIO(content)) as reader:
            rate = reader.getframerate()
            return reader.getnframes() / rate if rate else None
    except (wave.Error, EOFError):
        return None


def _ogg_seconds(content: bytes) -> float | None:
    """The last page's granule position, in the stream's own rate (Opus: 48 kHz less the
    pre-skip the first header names; Vorbis: its sample rate)."""
    last = content.rfind(_OGG_PAGE)
    if last < 0 or len(content) < last + 14:
        return None
    granule: int = struct.unpack_from("<q", content, last + 6)[0]
    if granule < 0:  # a page on which no packet ends names no position
        return None
    header = content[:512]
    opus = header.find(b"OpusHead")
    if opus >= 0 and len(header) >= opus + 12:
        pre_skip: int = struct.unpack_from("<H", header, opus + 10)[0]
        return max(0, granule - pre_skip) / _OPUS_RATE
    vorbis = header.find(b"\x01vorbis")
    if vorbis >= 0 and len(header) >= vorbis + 16:
        rate: int = struct.unpack_from("<I", header, vorbis + 12)[0]
        return granule / rate if rate else None
    return None
