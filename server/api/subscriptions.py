"""Subscriptions (spec FR-UM-004): plans, my subscription, subscribe, change plan, cancel, history."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from server import keys
from server.auth import audit
from server.billing import service
from server.billing.models import (
    AutoRenewIn,
    ChangePlanIn,
    ChangePlanOut,
    InvoiceOut,
    InvoicePath,
    InvoicesOut,
    ListQuery,
    MySubscriptionOut,
    OrderOut,
    PaymentOut,
    PaymentsOut,
    PlanOut,
    PlansOut,
    SubscribeIn,
    SubscriptionOut,
)
from server.billing.plans import PLANS, format_inr
from server.errors import NotFound
from server.listing import Pagination, pagination
from server.routing import ApiRouter, json_response, principal

log = logging.getLogger(__name__)
router = ApiRouter(tag="subscriptions")


def _sub(row: Any) -> SubscriptionOut:
    return SubscriptionOut(id=row["id"], plan_id=row["plan_type"], status=row["status"],
                           amount_paise=row["amount_paise"], currency=row["currency"], start_date=row["start_date"],
                           end_date=row["end_date"], auto_renew=row["auto_renew"], cancelled_at=row["cancelled_at"],
                           pending_plan_id=row["pending_plan_type"], payment_method=row["payment_method"])


def _order(request: web.Request, row: dict[str, Any]) -> OrderOut:
    return OrderOut(order_id=row["id"], plan_id=row["plan_type"], purpose=row["purpose"],
                    amount_paise=row["amount_paise"], list_price_paise=row["list_price_paise"],
                    credit_paise=row["credit_paise"], currency=row["currency"], status=row["status"],
                    key_id=request.app[keys.SETTINGS].payment_key_id, created_at=row["created_at"])


@router.route("GET", "/api/v1/subscriptions/plans", summary="The subscription plans and prices", response=PlansOut,
              auth="none")
async def plans(request: web.Request) -> web.Response:
    """200 with every plan (prices in paise and for display)."""
    return json_response(PlansOut(plans=[
        PlanOut(id=p.id, name=p.name, tier=p.tier, months=p.months, price_paise=p.price_paise,
                price_display=format_inr(p.price_paise), currency=p.currency, discount_percent=p.discount_percent)
        for p in PLANS.values()]))


@router.route("GET", "/api/v1/subscriptions/me", summary="My tier and current subscription",
              response=MySubscriptionOut, errors=(401,))
async def me(request: web.Request) -> web.Response:
    """200 with the effective tier, access end and the subscription (null when on the free tier)."""
    who = principal(request)
    db = request.app[keys.DB]
    tier, until = await service.effective_tier(db, user_id=who.user_id)
    row = await service.current_subscription(db, user_id=who.user_id)
    return json_response(MySubscriptionOut(tier=tier, access_until=until, subscription=_sub(row) if row else None))


@router.route("POST", "/api/v1/subscriptions/subscribe", summary="Buy a plan: creates the order to pay",
              body=SubscribeIn, response=OrderOut, status=201, errors=(401, 409, 422))
async def subscribe(request: web.Request, *, body: SubscribeIn) -> web.Response:
    """201 with a gateway order; the subscription starts when the gateway reports the payment captured."""
    who = principal(request)
    row = await service.create_subscribe_order(request.app[keys.DB], user_id=who.user_id, plan_id=body.plan_id,
                                               auto_renew=body.auto_renew)
    await audit.record(request.app[keys.DB], action="billing.order_created", actor_id=who.user_id,
                       target_type="order", target_id=row["id"], details={"plan": body.plan_id, "purpose": "new"})
    return json_response(_order(request, row), status=201)


@router.route("POST", "/api/v1/subscriptions/change-plan", summary="Upgrade (prorated, now) or downgrade (at renewal)",
              body=ChangePlanIn, response=ChangePlanOut, errors=(401, 409, 422))
async def change_plan(request: web.Request, *, body: ChangePlanIn) -> web.Response:
    """200: an upgrade returns the order to pay; a downgrade returns the subscription with ``pending_plan_id``."""
    who = principal(request)
    kind, row = await service.change_plan(request.app[keys.DB], user_id=who.user_id, plan_id=body.plan_id)
    await audit.record(request.app[keys.DB], action=f"billing.{kind}", actor_id=who.user_id,
                       target_type="subscription", details={"plan": body.plan_id})
    if kind == "upgrade":
        return json_response(ChangePlanOut(kind="upgrade", order=_order(request, row)))
    return json_response(ChangePlanOut(kind="downgrade", subscription=_sub(row)))


@router.route("POST", "/api/v1/subscriptions/cancel", summary="Cancel: no renewal, access until the period ends",
              response=SubscriptionOut, errors=(401, 409))
async def cancel(request: web.Request) -> web.Response:
    """200 with the cancelled subscription (``end_date`` is when access stops)."""
    who = principal(request)
    row = await service.cancel(request.app[keys.DB], user_id=who.user_id)
    await audit.record(request.app[keys.DB], action="billing.cancel", actor_id=who.user_id,
                       target_type="subscription", target_id=row["id"])
    return json_response(_sub(row))


@router.route("PUT", "/api/v1/subscriptions/auto-renew", summary="Turn auto-renewal on or off",
              body=AutoRenewIn, response=SubscriptionOut, errors=(401, 404, 422))
async def auto_renew(request: web.Request, *, body: AutoRenewIn) -> web.Response:
    """200 with the subscription; turning it on also undoes a cancellation."""
    who = principal(request)
    row = await service.set_auto_renew(request.app[keys.DB], user_id=who.user_id, auto_renew=body.auto_renew)
    return json_response(_sub(row))


@router.route("GET", "/api/v1/subscriptions/payments", summary="My payment history", query=ListQuery,
              response=PaymentsOut, errors=(401, 422))
async def payment_history(request: web.Request, *, query: ListQuery) -> web.Response:
    """200 with captured and failed payments, newest first."""
    rows, total = await service.payments(request.app[keys.DB], user_id=principal(request).user_id,
                                         limit=query.limit, offset=query.offset)
    return json_response(PaymentsOut(pagination=Pagination(**pagination(page=query.page, limit=query.limit,
                                                                        total=total)), payments=[
        PaymentOut(id=r["id"], gateway_payment_id=r["gateway_payment_id"], order_id=r["order_id"],
                   plan_id=r["plan_type"], purpose=r["purpose"], amount_paise=r["amount_paise"],
                   currency=r["currency"], status=r["status"], method=r["method"],
                   error_description=r["error_description"], created_at=r["created_at"]) for r in rows]))


def _invoice(row: Any) -> InvoiceOut:
    return InvoiceOut(id=row["id"], number=row["number"], plan_id=row["plan_type"], description=row["description"],
                      list_price_paise=row["list_price_paise"], credit_paise=row["credit_paise"],
                      amount_paise=row["amount_paise"], amount_display=format_inr(row["amount_paise"]),
                      currency=row["currency"], period_start=row["period_start"], period_end=row["period_end"],
                      issued_at=row["issued_at"], payment_id=row["payment_id"], subscription_id=row["subscription_id"])


@router.route("GET", "/api/v1/subscriptions/invoices", summary="My invoices", query=ListQuery, response=InvoicesOut,
              errors=(401, 422))
async def invoices(request: web.Request, *, query: ListQuery) -> web.Response:
    """200 with invoices, newest first."""
    rows, total = await service.invoices(request.app[keys.DB], user_id=principal(request).user_id,
                                         limit=query.limit, offset=query.offset)
    return json_response(InvoicesOut(invoices=[_invoice(r) for r in rows], pagination=Pagination(
        **pagination(page=query.page, limit=query.limit, total=total))))


@router.route("GET", "/api/v1/subscriptions/invoices/{invoice_id}", summary="One of my invoices",
              response=InvoiceOut, errors=(401, 404))
async def invoice(request: web.Request) -> web.Response:
    """200 with the invoice; 404 for an unknown id or someone else's."""
    try:
        path = InvoicePath(invoice_id=request.match_info["invoice_id"])  # type: ignore[arg-type]
    except ValueError as err:
        raise NotFound(f"no invoice {request.match_info['invoice_id']}") from err
    row = await service.invoice(request.app[keys.DB], user_id=principal(request).user_id,
                                invoice_id=str(path.invoice_id))
    return json_response(_invoice(row))


