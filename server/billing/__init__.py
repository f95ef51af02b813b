"""Subscriptions and payments: plans, orders, signed gateway webhooks, invoices, renewals."""

from server.billing.plans import PLANS, Plan, plan_by_id
from server.billing.signature import sign_body, verify_signature

__all__ = ["PLANS", "Plan", "plan_by_id", "sign_body", "verify_signature"]
