"""The SVOD plans of spec §2.3; prices are kept in paise (₹1 = 100 paise)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

PlanId = Literal["monthly", "quarterly", "annual"]


@dataclass(frozen=True, slots=True)
class Plan:
    """One subscription plan: all give the premium tier; they differ in length and price."""

    id: str
    name: str
    months: int
    price_paise: int
    currency: str = "INR"
    tier: str = "premium"

    #: The advertised saving (spec §2.3: quarterly 11 %, annual 17 %); against paying the monthly price
    #: every month the exact saving is 10.9 % and 16.4 %.
    discount_percent: int = 0


PLANS: dict[str, Plan] = {
    "monthly": Plan(id="monthly", name="Premium Monthly", months=1, price_paise=29_900),
    "quarterly": Plan(id="quarterly", name="Premium Quarterly", months=3, price_paise=79_900, discount_percent=11),
    "annual": Plan(id="annual", name="Premium Annual", months=12, price_paise=299_900, discount_percent=17),
}


def is_upgrade(*, current: str, target: str) -> bool:
    """True when ``target`` is a longer (dearer) commitment than ``current``."""
    return PLANS[target].months > PLANS[current].months


def format_inr(paise: int) -> str:
    """``299900`` → ``"₹2,999.00"``."""
    return f"₹{paise // 100:,}.{paise % 100:02d}"
