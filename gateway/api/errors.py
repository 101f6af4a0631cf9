"""One middleware renders every error as JSON; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable

from aiohttp import web

from gateway.sdk.errors import JunctionError

__all__ = ["error_middleware", "json_error"]

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def json_error(status: int, error: str, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": error, "message": message, **extra}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except JunctionError as err:
        response = json_error(err.http_status, err.reason, err.message, **err.detail)
        if err.http_status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="junction"'
        return response
    except web.HTTPException as err:
        if err.status < 400:
            raise
        reason = err.reason.lower().replace(" ", "_")
        message = err.text if err.text and not err.text.startswith(str(err.status)) \
            else err.reason
        response = json_error(err.status, reason, message)
        for header in ("Allow", "WWW-Authenticate"):
            if header in err.headers:
                response.headers[header] = err.headers[header]
        return response
    except Exception:
        incident = uuid.uuid4().hex[:12]
        log.exception("event=api_error incident=%s path=%s", incident, request.path)
        return json_error(500, "internal", "internal error; see the gateway log",
                          incident=incident)
