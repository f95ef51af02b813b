"""The payment gateway's webhook: signed (HMAC-SHA256 of the raw body), applied once per event id."""

from __future__ import annotations

import json
import logging

from aiohttp import web

from server import keys, mail
from server.billing.models import WebhookOut
from server.billing.secret import webhook_secret
from server.billing.signature import EVENT_ID_HEADER, SIGNATURE_HEADER, verify_signature
from server.billing.webhooks import process_event
from server.errors import BadRequest, PayloadTooLarge
from server.routing import ApiRouter, json_response

log = logging.getLogger(__name__)
router = ApiRouter(tag="payments")
MAX_WEBHOOK_BYTES = 256 * 1024


@router.route("POST", "/api/v1/payments/webhook", summary="Payment gateway webhook (Razorpay-style signature)",
              response=WebhookOut, auth="none", raw_body=True, errors=(400, 413),
              headers=("webhook",))
async def webhook(request: web.Request) -> web.Response:
    """200 when applied, ignored or a duplicate; 400 (nothing changes) for a bad signature or body."""
    if request.content_length is not None and request.content_length > MAX_WEBHOOK_BYTES:
        raise PayloadTooLarge(f"webhook bodies are limited to {MAX_WEBHOOK_BYTES} bytes")
    raw = await request.read()
    secret = webhook_secret(settings=request.app[keys.SETTINGS])
    if not verify_signature(secret=secret, body=raw, signature=request.headers.get(SIGNATURE_HEADER)):
        log.warning("payment webhook with a bad or missing signature")
        raise BadRequest(f"missing or invalid {SIGNATURE_HEADER}")
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as err:  # also integers over the digit limit, too-deep nesting
        raise BadRequest(f"the body is not valid JSON: {err}") from err
    if not isinstance(payload, dict):
        raise BadRequest("the body must be a JSON object")
    event_id = request.headers.get(EVENT_ID_HEADER) or payload.get("id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 64:
        raise BadRequest(f"the event needs an id ({EVENT_ID_HEADER} header)")
    outcome = await process_event(request.app[keys.DB], event_id=event_id, payload=payload)
    if outcome.status == "processed":
        mail.wake_sender(request.app)  # the payment confirmation
    return json_response(WebhookOut(event_id=event_id, status=outcome.status, detail=outcome.detail))
