"""Request and response models of the subscription and payment endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from server.listing import PageParams, Pagination

PlanIdField = Literal["monthly", "quarterly", "annual"]
PaymentMethod = Literal["upi", "card", "netbanking", "wallet"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanOut(BaseModel):
    """A plan as offered."""

    id: str
    name: str
    tier: str
    months: int
    price_paise: int
    price_display: str
    currency: str
    discount_percent: int


class PlansOut(BaseModel):
    """Every plan, shortest first."""

    plans: list[PlanOut]


class SubscribeIn(_In):
    """Buy a plan: creates a gateway order that the client pays; the webhook activates it."""

    plan_id: PlanIdField
    auto_renew: bool = True


class ChangePlanIn(_In):
    """Upgrade (paid now, prorated, immediate) or downgrade (applies at the next renewal)."""

    plan_id: PlanIdField


class AutoRenewIn(_In):
    """Turn automatic renewal on or off (on again also undoes a cancellation)."""

    auto_renew: bool


class OrderOut(BaseModel):
    """A gateway order to pay (checkout gets ``order_id``, ``amount_paise`` and ``key_id``)."""

    order_id: str
    plan_id: str
    purpose: str
    amount_paise: int
    list_price_paise: int
    credit_paise: int
    currency: str
    status: str
    key_id: str
    created_at: datetime


class SubscriptionOut(BaseModel):
    """The account's current subscription."""

    id: str
    plan_id: str
    status: str
    amount_paise: int
    currency: str
    start_date: datetime
    end_date: datetime
    auto_renew: bool
    cancelled_at: datetime | None
    pending_plan_id: str | None
    payment_method: str | None


class MySubscriptionOut(BaseModel):
    """Effective tier now and the subscription behind it (null on the free tier)."""

    tier: str
    access_until: datetime | None
    subscription: SubscriptionOut | None


class ChangePlanOut(BaseModel):
    """An upgrade returns the order to pay; a downgrade returns the subscription with its pending plan."""

    kind: Literal["upgrade", "downgrade"]
    order: OrderOut | None = None
    subscription: SubscriptionOut | None = None


class PaymentOut(BaseModel):
    """One payment attempt reported by the gateway."""

    id: str
    gateway_payment_id: str
    order_id: str
    plan_id: str
    purpose: str
    amount_paise: int
    currency: str
    status: str
    method: str | None
    error_description: str | None
    created_at: datetime


class PaymentsOut(BaseModel):
    """Payment history, newest first."""

    payments: list[PaymentOut]
    pagination: Pagination


class InvoiceOut(BaseModel):
    """An invoice for a captured payment."""

    id: str
    number: str
    plan_id: str
    description: str
    list_price_paise: int
    credit_paise: int
    amount_paise: int
    amount_display: str
    currency: str
    period_start: datetime
    period_end: datetime
    issued_at: datetime
    payment_id: str
    subscription_id: str


class InvoicesOut(BaseModel):
    """Invoices, newest first."""

    invoices: list[InvoiceOut]
    pagination: Pagination


class InvoicePath(_In):
    """An invoice id."""

    invoice_id: UUID


class ListQuery(_In, PageParams):
    """A page (``page``, ``limit``)."""


class WebhookOut(BaseModel):
    """What the server did with a webhook event."""

    event_id: str
    status: Literal["processed", "duplicate", "ignored", "rejected"]
    detail: str | None = None
