"""Query-parameter parsing with clear 422 errors."""

from __future__ import annotations

from aiohttp import web

from gateway.sdk.errors import InvalidArguments

__all__ = ["int_param"]


def int_param(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidArguments(f"query parameter {name!r} must be an integer, got {raw!r}") \
            from None
    if not low <= value <= high:
        raise InvalidArguments(f"query parameter {name!r} must be between {low} and {high}")
    return value
