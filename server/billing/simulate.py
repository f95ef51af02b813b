"""A stand-in for the payment gateway: pay an order and deliver the signed webhook to the server.

``ott-server payments simulate`` uses this for local runs and tests: with an access token and a
plan it first creates the order through the API (as a checkout would), then posts a signed
``payment.captured`` (or ``payment.failed``) event for it to ``/api/v1/payments/webhook``.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from server.billing.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, sign_body

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/api/v1/payments/webhook"


class SimulationError(Exception):
    """The server refused a step of the simulation."""


@dataclass(frozen=True, slots=True)
class Delivery:
    """One webhook delivery and the server's answer."""

    event_id: str
    status: int
    body: dict[str, Any]


def payment_event(*, order_id: str, amount_paise: int, currency: str = "INR", method: str = "upi",
                  captured: bool = True, payment_id: str | None = None) -> tuple[str, bytes]:
    """A Razorpay-shaped ``payment.captured``/``payment.failed`` event: (event id, raw body)."""
    event_id = f"evt_{secrets.token_hex(8)}"
    entity: dict[str, Any] = {
        "id": payment_id or f"pay_{secrets.token_hex(7)}", "entity": "payment", "amount": amount_paise,
        "currency": currency, "status": "captured" if captured else "failed", "order_id": order_id,
        "method": method, "captured": captured, "created_at": int(time.time()),
    }
    if not captured:
        entity["error_description"] = "Payment declined by the simulated bank"
    payload = {"entity": "event", "account_id": "acc_simulated", "id": event_id,
               "event": "payment.captured" if captured else "payment.failed", "contains": ["payment"],
               "payload": {"payment": {"entity": entity}}, "created_at": int(time.time())}
    return event_id, json.dumps(payload, separators=(",", ":")).encode("utf-8")


async def deliver(session: aiohttp.ClientSession, *, base_url: str, secret: bytes, event_id: str,
                  body: bytes) -> Delivery:
    """POST one signed event to the server's webhook."""
    headers = {"Content-Type": "application/json", EVENT_ID_HEADER: event_id,
               SIGNATURE_HEADER: sign_body(secret=secret, body=body)}
    async with session.post(base_url.rstrip("/") + WEBHOOK_PATH, data=body, headers=headers) as resp:
        answer = await resp.json(content_type=None)
        return Delivery(event_id=event_id, status=resp.status, body=answer if isinstance(answer, dict) else {})


async def create_order(session: aiohttp.ClientSession, *, base_url: str, token: str, plan_id: str,
                       upgrade: bool = False) -> dict[str, Any]:
    """Create the order to pay through the API (subscribe, or change-plan for an upgrade)."""
    path = "/api/v1/subscriptions/change-plan" if upgrade else "/api/v1/subscriptions/subscribe"
    async with session.post(base_url.rstrip("/") + path, json={"plan_id": plan_id},
                            headers={"Authorization": f"Bearer {token}"}) as resp:
        body = await resp.json(content_type=None)
        if resp.status not in (200, 201):
            raise SimulationError(f"{path} answered {resp.status}: {body.get('detail', body)}")
    order: dict[str, Any] = body["order"] if upgrade else body
    if order is None:
        raise SimulationError(f"{plan_id} is not an upgrade of the current plan: nothing to pay")
    return order


async def simulate(*, base_url: str, secret: bytes, token: str | None = None, plan_id: str | None = None,
                   order_id: str | None = None, amount_paise: int | None = None, upgrade: bool = False,
                   fail: bool = False, method: str = "upi", deliveries: int = 1) -> list[Delivery]:
    """Pay an order (made now from ``token`` + ``plan_id``, or the given ``order_id`` + amount).

    The same signed event is delivered ``deliveries`` times, as a gateway retrying would.
    """
    async with aiohttp.ClientSession() as session:
        if order_id is None:
            if token is None or plan_id is None:
                raise SimulationError("give --order-id and --amount, or --token and --plan")
            order = await create_order(session, base_url=base_url, token=token, plan_id=plan_id, upgrade=upgrade)
            order_id, amount_paise = order["order_id"], order["amount_paise"]
        if amount_paise is None:
            raise SimulationError("--amount is needed with --order-id")
        event_id, body = payment_event(order_id=order_id, amount_paise=amount_paise, method=method,
                                       captured=not fail)
        out = [await deliver(session, base_url=base_url, secret=secret, event_id=event_id, body=body)
               for _ in range(max(1, deliveries))]
    log.info("simulated %s for %s", "failure" if fail else "capture", order_id)
    return out
