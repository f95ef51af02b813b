"""Ads (AVOD): inventory, targeting, break/pod decisioning, VAST 4.2 / VMAP 1.0 and tracking."""

from server.ads.decision import AdBreakPlan, Candidate, plan_breaks

__all__ = ["AdBreakPlan", "Candidate", "plan_breaks"]
