"""Evaluation settings: the ladder, segment durations, buffer cap and content length a family
of links is replayed with.

- `PROJECT`: the project's ladder (`media.ladder.DEFAULT_LADDER`, video + audio), 2 s and 4 s
  segments, a 30 s buffer, each case's own length.
- `PENSIEVE`: the Pensieve paper's (Mao et al., SIGCOMM '17): 6 rungs 300–4,300 kbit/s, 4 s
  segments, a 60 s buffer, a 48-segment (192 s) video.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EvalSetting:
    """What every rule and the oracle are evaluated with: `ladder_kbps` (lowest first),
    default `segments_s`, `max_buffer_s`, and `content_cap_s` (None: each case's own length;
    else no case plays longer)."""

    name: str
    ladder_kbps: tuple[float, ...]
    segments_s: tuple[float, ...]
    max_buffer_s: float
    content_cap_s: float | None = None

    def content_s(self, case_s: float) -> float:
        """A case's content length under this setting."""
        return case_s if self.content_cap_s is None else min(case_s, self.content_cap_s)


def _project_ladder() -> tuple[float, ...]:
    """The project's ladder, video + audio kbit/s."""
    from media.ladder import DEFAULT_LADDER

    return tuple(float(r.total_kbps) for r in DEFAULT_LADDER)


PROJECT = EvalSetting("project", _project_ladder(), (2.0, 4.0), 30.0)
PENSIEVE = EvalSetting(
    "pensieve", (300.0, 750.0, 1200.0, 1850.0, 2850.0, 4300.0), (4.0,), 60.0, content_cap_s=192.0
)
#: Settings by name (`benchmarks/abr_families.py --setting`).
SETTINGS: dict[str, EvalSetting] = {s.name: s for s in (PROJECT, PENSIEVE)}
