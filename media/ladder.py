"""The rendition ladder: which qualities exist and at what target bitrates."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from media.errors import InputError


@dataclass(frozen=True, slots=True)
class Rendition:
    """One rung of the ladder: a name, a picture size, target video/audio bitrates and audio channels.

    ``audio_kbps``/``audio_channels`` are the AAC muxed into this rung's TS (low rungs get less);
    ``max_fps`` (0 = the source's rate) caps the frame rate when segment boundaries stay on frames.
    """

    name: str
    width: int
    height: int
    video_kbps: int
    audio_kbps: int = 64
    audio_channels: int = 2
    max_fps: float = 0.0

    @property
    def total_kbps(self) -> int:
        """Nominal bitrate of video plus one audio track, in kbit/s."""
        return self.video_kbps + self.audio_kbps

    @property
    def label(self) -> str:
        """Human label burned into the picture, e.g. ``720p · 2500 kbps``."""
        return f"{self.name} · {self.video_kbps} kbps"


#: Spec FR-CC-004 / DESIGN.md §4's five rungs plus a 2G rung below them (108p, ≈ 150 kbit/s on the
#: wire: the only rung that plays on the ``2g``/``edge`` profiles, see media/README.md), lowest first.
DEFAULT_LADDER: tuple[Rendition, ...] = (
    Rendition("108p", 192, 108, 90, audio_kbps=32, audio_channels=1, max_fps=15),
    Rendition("144p", 256, 144, 240, audio_kbps=48),
    Rendition("360p", 640, 360, 500, audio_kbps=48),
    Rendition("480p", 854, 480, 1000, audio_kbps=96),
    Rendition("720p", 1280, 720, 2500, audio_kbps=128),
    Rendition("1080p", 1920, 1080, 5000, audio_kbps=128),
)

_FIELDS = {"name", "width", "height", "video_kbps", "audio_kbps", "audio_channels", "max_fps"}


def ladder_for_source(height: int, ladder: tuple[Rendition, ...] = DEFAULT_LADDER) -> tuple[Rendition, ...]:
    """Return the rungs not taller than the source (never upscale); at least the lowest rung."""
    kept = tuple(r for r in ladder if r.height <= height)
    return kept or ladder[:1]


def load_ladder(path: Path | str) -> tuple[Rendition, ...]:
    """Load a ladder from TOML (``[[rendition]]`` tables); unknown fields are an InputError.

    Example::

        [[rendition]]
        name = "360p"
        width = 640
        height = 360
        video_kbps = 500
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read ladder file {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"ladder file {path} is not valid TOML: {err}") from err
    unknown_top = set(data) - {"rendition"}
    if unknown_top:
        raise InputError(f"ladder file {path}: unknown field(s) {', '.join(sorted(unknown_top))}")
    rows = data.get("rendition")
    if not isinstance(rows, list) or not rows:
        raise InputError(f"ladder file {path}: needs at least one [[rendition]] table")
    rungs: list[Rendition] = []
    for i, row in enumerate(rows, 1):
        unknown = set(row) - _FIELDS
        if unknown:
            raise InputError(
                f"ladder file {path}: rendition {i} has unknown field(s) {', '.join(sorted(unknown))}"
            )
        missing = {"name", "width", "height", "video_kbps"} - set(row)
        if missing:
            raise InputError(
                f"ladder file {path}: rendition {i} lacks field(s) {', '.join(sorted(missing))}"
            )
        try:
            rung = Rendition(
                name=str(row["name"]),
                width=int(row["width"]),
                height=int(row["height"]),
                video_kbps=int(row["video_kbps"]),
                audio_kbps=int(row.get("audio_kbps", 64)),
                audio_channels=int(row.get("audio_channels", 2)),
                max_fps=float(row.get("max_fps", 0)),
            )
        except (TypeError, ValueError) as err:
            raise InputError(f"ladder file {path}: rendition {i}: {err}") from err
        if rung.width <= 0 or rung.height <= 0 or rung.video_kbps <= 0 or rung.width % 2 or rung.height % 2:
            raise InputError(f"ladder file {path}: rendition {i}: sizes must be positive and even")
        if rung.audio_kbps <= 0 or rung.audio_channels not in (1, 2) or not 0 <= rung.max_fps <= 240:
            raise InputError(
                f"ladder file {path}: rendition {i}: needs audio_kbps > 0, audio_channels 1 or 2, 0 ≤ max_fps ≤ 240"
            )
        rungs.append(rung)
    names = [r.name for r in rungs]
    if len(set(names)) != len(names):
        raise InputError(f"ladder file {path}: rendition names must be unique")
    return tuple(sorted(rungs, key=lambda r: (r.height, r.video_kbps)))


def resolve_ladder(spec: str | Path | None) -> tuple[Rendition, ...]:
    """Turn a CLI ``--ladder`` value (``default`` or a TOML path) into a ladder."""
    if spec is None or str(spec) == "default":
        return DEFAULT_LADDER
    return load_ladder(spec)
