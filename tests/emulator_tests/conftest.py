"""Fixtures for the emulator's own tests (the emulator fixtures come from
`tests.emulator.pytest_plugin`, registered in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.emulator import Emulator


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """The emulator's tests need no Home Assistant instance: this replaces the autouse fixture
    of tests/conftest.py (which would start one for every test)."""


@pytest.fixture
async def http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain aiohttp client (the threaded resolver: no DNS machinery left behind)."""
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=aiohttp.ThreadedResolver())
    ) as session:
        yield session


@pytest.fixture
def token(emulator: Emulator) -> str:
    """A valid access token."""
    return str(emulator.issue_tokens()["access_token"])


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
