"""REST/JSON API under /api/v1, SSE events, /metrics, /openapi.json."""

from gateway.api.app import GATEWAY, make_app

__all__ = ["GATEWAY", "make_app"]
