"""What a rung costs on the wire: nominal encoder targets plus the MPEG-TS muxing overhead.

A rung's ``video_kbps``/``audio_kbps`` are what x264 and the AAC encoder are asked for; the TS a
player downloads is larger. Measured on the sample cards (ffmpeg 5.1, 2 s segments):

* video: every frame is one PES that starts a new 188-byte TS packet, so each frame costs a PES
  header, an AUD, sometimes a PCR adaptation field and on average half a packet of stuffing —
  ≈ 125 bytes per frame (25 kbit/s at 25 fps, 15 kbit/s at 15 fps), plus 4 header bytes per
  184 payload bytes;
* audio: the native AAC encoder overshoots its target by ~10 % and ADTS/PES/TS headers add
  ≈ 3.5 kbit/s (32 → 39, 48 → 55, 64 → 73 kbit/s measured);
* PAT, PMT and SDT (one packet each) open every segment.

So the 144p rung (240 + 48 kbit/s) is ≈ 330 kbit/s on the wire and the 108p rung (90 kbit/s at
15 fps + 32 kbit/s mono) ≈ 148 kbit/s. :func:`expected_kbps` is what the rate test compares the
measured average against.
"""

from __future__ import annotations

from media.ladder import Rendition

TS_PACKET = 188
TS_PAYLOAD = 184
VIDEO_BYTES_PER_FRAME = 125
AUDIO_OVERSHOOT = 1.10
AUDIO_OVERHEAD_KBPS = 3.5
PSI_PACKETS_PER_SEGMENT = 3


def expected_kbps(rendition: Rendition, *, fps: float, segment: float) -> float:
    """Expected average bit rate (kbit/s) of RENDITION's muxed TS at FPS with SEGMENT-second segments."""
    video = rendition.video_kbps * TS_PACKET / TS_PAYLOAD + fps * VIDEO_BYTES_PER_FRAME * 8 / 1000
    audio = rendition.audio_kbps * AUDIO_OVERSHOOT + AUDIO_OVERHEAD_KBPS
    psi = PSI_PACKETS_PER_SEGMENT * TS_PACKET * 8 / max(segment, 0.1) / 1000
    return video + audio + psi
