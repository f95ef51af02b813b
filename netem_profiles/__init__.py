"""OTT Lowband network emulation: profiles, schedules, trace replay, pacers, shaping proxy, tc.

Public surface (others depend on these names):
`Profile`, `ProfileError`, `load_profile`, `list_profiles`, `Schedule`, `ScheduleStep`,
`load_schedule`, `list_schedules`, `rate_source`, `RateSource`, `MahimahiTrace`,
`TokenBucket`, `TracePacer`, `LinkPacer`, `ShapingProxy`, `ProxyError`.
"""

from netem_profiles.pacing import LinkPacer, TokenBucket, TracePacer
from netem_profiles.profiles import Profile, ProfileError, list_profiles, load_profile
from netem_profiles.proxy import ProxyError, ShapingProxy
from netem_profiles.schedules import (
    RateSource,
    Schedule,
    ScheduleStep,
    list_schedules,
    load_schedule,
    rate_source,
)
from netem_profiles.traces import MahimahiTrace

__all__ = [
    "LinkPacer",
    "MahimahiTrace",
    "Profile",
    "ProfileError",
    "ProxyError",
    "RateSource",
    "Schedule",
    "ScheduleStep",
    "ShapingProxy",
    "TokenBucket",
    "TracePacer",
    "list_profiles",
    "list_schedules",
    "load_profile",
    "load_schedule",
    "rate_source",
]
