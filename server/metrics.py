"""Prometheus metrics of one application instance."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


@dataclass(slots=True)
class Metrics:
    """The instruments the middlewares and storage layers update."""

    requests: Counter
    latency: Histogram
    db_pool_size: Gauge
    db_pool_idle: Gauge
    redis_errors: Counter
    in_flight: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        """Register every instrument in ``registry`` (one registry per app, so tests can run many)."""
        return cls(
            requests=Counter("ott_http_requests_total", "HTTP requests by route, method and status",
                             ["route", "method", "status"], registry=registry),
            latency=Histogram("ott_http_request_duration_seconds", "HTTP request latency by route",
                              ["route", "method", "status"], registry=registry,
                              buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10)),
            db_pool_size=Gauge("ott_db_pool_size", "PostgreSQL pool connections", registry=registry),
            db_pool_idle=Gauge("ott_db_pool_idle", "Idle PostgreSQL pool connections", registry=registry),
            redis_errors=Counter("ott_redis_errors_total", "Redis command failures", ["operation"],
                                 registry=registry),
            in_flight=Gauge("ott_http_requests_in_flight", "Requests being served", registry=registry),
        )
