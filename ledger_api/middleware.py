"""Two small ASGI middlewares: request body limits and the X-RateLimit-* headers."""
from __future__ import annotations

from typing import Any, Callable

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger_core import Ledger


class BodyTooLarge(Exception):
    """The request body is over the limit of its route (answered 413)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than {limit:,} bytes")
        self.limit = limit


class BodyLimit:
    """Refuse a body over `limit_for(path)` bytes without reading it: at once when
    Content-Length says so, else as soon as the bytes received pass the limit (the
    handler of `BodyTooLarge` answers 413)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int],
                 refuse: Callable[[BodyTooLarge], Any]) -> None:
        self.app = app
        self.limit_for = limit_for
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        for name, value in scope["headers"]:
            if name == b"content-length" and value.strip().isdigit() and int(value) > limit:
                response = self.refuse(BodyTooLarge(limit))
                await response(scope, receive, send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)


class RateLimitHeaders:
    """Add X-RateLimit-Limit, -Remaining and -Reset to every answer of a rate-limited
    route, once `deps.caller` has recorded who asked and the route's kind (query, stats,
    export) in the request state. The figures are read after the call was spent."""

    def __init__(self, app: ASGIApp, ledger: Ledger) -> None:
        self.app = app
        self.ledger = ledger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.ledger.limiter is None:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                principal, kind = state.get("principal"), state.get("rate_kind")
                limiter = self.ledger.limiter
                if principal is not None and kind is not None and limiter is not None:
                    status = await run_in_threadpool(limiter.status, principal.user_id, kind)
                    headers = MutableHeaders(scope=message)
                    headers["X-RateLimit-Limit"] = str(status.limit)
                    headers["X-RateLimit-Remaining"] = str(status.remaining)
                    headers["X-RateLimit-Reset"] = str(status.reset_after)
            await send(message)

        await self.app(scope, receive, send_with_headers)
