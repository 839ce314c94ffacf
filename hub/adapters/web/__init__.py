"""The duty desk's web adapter: REST API, live WebSocket stream, console page and ops endpoints."""

from hub.adapters.web.app import make_app
from hub.adapters.web.context import WebServices

__all__ = ["WebServices", "make_app"]
