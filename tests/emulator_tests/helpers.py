"""Helpers for the emulator's tests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from tests.emulator.pytest_plugin import in_executor

__all__ = ["fetch", "in_executor"]


async def fetch(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any, Mapping[str, str]]:
    """(status, parsed JSON body or the text, headers), redirects not followed."""
    async with http.request(
        method, url, headers=headers, allow_redirects=False, **kwargs
    ) as response:
        text = await response.text()
        try:
            body: Any = await response.json(content_type=None)
        except ValueError:
            body = text
        return response.status, body, response.headers
