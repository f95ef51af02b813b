"""Subscriptions and payments: plans, orders, signed gateway webhooks, invoices, renewals."""

from server.billing.plans import PLANS, Plan
from server.billing.signature import sign_body, verify_signature

__all__ = ["PLANS", "Plan", "sign_body", "verify_signature"]
