"""A small client of Home Assistant's REST and WebSocket APIs (what the frontend itself uses).

Used by `demo_setup.py` (scripts/develop) and `e2e.py` (scripts/e2e); runs in the demo
environment, where aiohttp comes with Home Assistant.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import contextlib
import itertools
from typing import Any

import aiohttp

TIMEOUT = aiohttp.ClientTimeout(total=120)


class HAError(Exception):
    """A REST answer with an unexpected status."""

    def __init__(self, method: str, path: str, status: int, body: str) -> None:
        super().__init__(f"{method} {path} -> HTTP {status}: {body[:500]}")
        self.status = status
        self.body = body


class WSError(Exception):
    """A WebSocket command answered with an error."""

    def __init__(self, command: str, error: Mapping[str, Any]) -> None:
        super().__init__(f"{command}: {error.get('code')}: {error.get('message')}")
        self.code = str(error.get("code"))
        self.error = dict(error)


class HAClient:
    """REST calls with a bearer token, and one WebSocket connection with event subscriptions."""

    def __init__(self, base_url: str, session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.token: str | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._events: dict[int, asyncio.Queue[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None

    # -- REST ---------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        form: Mapping[str, str] | None = None,
        auth: bool = True,
        expect: tuple[int, ...] = (200, 201),
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Call `path` (relative to the base URL); JSON answers are decoded."""
        headers = dict(headers or {})
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        async with self.session.request(
            method,
            f"{self.base_url}{path}",
            json=json,
            data=form,
            headers=headers,
            timeout=TIMEOUT,
        ) as response:
            body = await response.text()
            if response.status not in expect:
                raise HAError(method, path, response.status, body)
            if response.content_type == "application/json" and body:
                return await response.json()
            return body

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return await self.request("POST", path, json=json, **kwargs)

    async def call_service(
        self, domain: str, service: str, data: Mapping[str, Any] | None = None
    ) -> Any:
        """`POST /api/services/<domain>/<service>?return_response` -> the service response."""
        result = await self.post(
            f"/api/services/{domain}/{service}?return_response", dict(data or {})
        )
        return result["service_response"]

    async def state(self, entity_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.get(f"/api/states/{entity_id}")
        return result

    # -- WebSocket ----------------------------------------------------------------------------

    async def ws_connect(self) -> None:
        """Open the WebSocket API and authenticate with the current access token."""
        url = self.base_url.replace("http", "ws", 1) + "/api/websocket"
        self._ws = await self.session.ws_connect(url, heartbeat=30, max_msg_size=0)
        hello = await self._ws.receive_json()
        if hello.get("type") != "auth_required":
            raise RuntimeError(f"unexpected WebSocket greeting {hello}")
        await self._ws.send_json({"type": "auth", "access_token": self.token})
        answer = await self._ws.receive_json()
        if answer.get("type") != "auth_ok":
            raise RuntimeError(f"WebSocket authentication failed: {answer}")
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            payload = message.json()
            for item in payload if isinstance(payload, list) else [payload]:
                ident = item.get("id")
                if item.get("type") == "event" and ident in self._events:
                    self._events[ident].put_nowait(item["event"])
                elif ident in self._pending:
                    future = self._pending.pop(ident)
                    if not future.done():
                        future.set_result(item)
        for future in self._pending.values():
            if not future.done():
                future.set_exception(ConnectionError("WebSocket closed"))

    async def ws(self, command: str, *, wait: float = 120, **payload: Any) -> Any:
        """Send a WebSocket command; return its result or raise `WSError`."""
        assert self._ws is not None, "call ws_connect() first"
        ident = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self._ws.send_json({"id": ident, "type": command, **payload})
        answer = await asyncio.wait_for(future, wait)
        if not answer.get("success", False):
            raise WSError(command, answer.get("error") or {})
        return answer.get("result")

    async def subscribe_events(self, event_type: str) -> asyncio.Queue[dict[str, Any]]:
        """Subscribe to an event type; events arrive in the returned queue."""
        assert self._ws is not None, "call ws_connect() first"
        ident = next(self._ids)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._events[ident] = queue
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        await self._ws.send_json(
            {"id": ident, "type": "subscribe_events", "event_type": event_type}
        )
        answer = await asyncio.wait_for(future, 30)
        if not answer.get("success", False):
            raise WSError("subscribe_events", answer.get("error") or {})
        return queue

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader


async def next_event(
    queue: asyncio.Queue[dict[str, Any]], wait: float = 60, **match: Any
) -> dict[str, Any]:
    """The next event in `queue` whose data has all of `match` (others are dropped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        event = await asyncio.wait_for(queue.get(), max(0.1, deadline - loop.time()))
        data = event.get("data", {})
        if all(data.get(key) == value for key, value in match.items()):
            return event
