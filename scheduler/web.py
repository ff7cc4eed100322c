"""The service's HTTP face: the feeds (as `tintuc serve`) plus /healthz."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scheduler.schedule import seconds


def create_service_app(service):  # noqa: ANN001, ANN201 (Service; a Starlette app)
    from feeds.server import create_app

    def healthz(request: Request) -> JSONResponse:
        status, body = service.health()
        return JSONResponse(body, status_code=status, headers={"Cache-Control": "no-store"})

    # Readers may cache a feed for as long as it cannot change: until the next regeneration.
    max_age = int(min(service.schedule.period, seconds(service.config.feeds_every)))
    return create_app(service.config.out, max_age=max_age, extra_routes=[Route("/healthz", healthz)])
