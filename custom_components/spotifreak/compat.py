"""What differs between the Home Assistant releases Spotifreak supports (2025.4 to 2026.11).

Each difference is feature-tested once, here; the rest of the integration uses these helpers.
"""

from __future__ import annotations

from collections.abc import Callable
import inspect
from typing import Any, Final

from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import DOMAIN

try:  # after 2025.4: a repairs flow's steps return their own result type
    from homeassistant.components.repairs import RepairsFlowResult
except ImportError:  # pragma: no cover - 2025.4: a plain flow result
    from homeassistant.data_entry_flow import (  # type: ignore[assignment]
        FlowResult as RepairsFlowResult,
    )

__all__ = ["RepairsFlowResult"]


def _accepts(function: Callable[..., Any], parameter: str) -> bool:
    return parameter in inspect.signature(function).parameters


# 2026.x: a sync's device points at the account's device by registry id; `via_device` (an
# identifier) is deprecated and logs a warning on every start until its removal in 2027.8.
DEVICE_INFO_VIA_DEVICE_ID: Final = "via_device_id" in getattr(
    DeviceInfo, "__dataclass_fields__", getattr(DeviceInfo, "__annotations__", {})
)
ISSUE_CONFIG_ENTRY_ID: Final = _accepts(ir.async_create_issue, "config_entry_id")
_UPDATE_FAILED_RETRY_AFTER: Final = _accepts(UpdateFailed.__init__, "retry_after")
STORE_SERIALIZE_OFF_LOOP: Final = _accepts(Store.__init__, "serialize_in_event_loop")


def device_info(*, parent: tuple[str, str | None] | None = None, **fields: Any) -> DeviceInfo:
    """Return device info; `parent` is the parent device's (identifier value, registry id).

    Where `DeviceInfo` has `via_device_id` (2026.x) the registry id is used, otherwise
    (2025.4) the identifier.
    """
    if parent is not None:
        identifier, device_id = parent
        if DEVICE_INFO_VIA_DEVICE_ID and device_id is not None:
            fields["via_device_id"] = device_id
        else:
            fields["via_device"] = (DOMAIN, identifier)
    info: DeviceInfo = DeviceInfo(**fields)  # type: ignore[typeddict-item]
    return info


def update_failed(*, retry_after: int | None = None, **kwargs: Any) -> UpdateFailed:
    """Return `UpdateFailed`, carrying Spotify's `Retry-After` where supported (2025.12+)."""
    if retry_after is not None and _UPDATE_FAILED_RETRY_AFTER:
        kwargs["retry_after"] = retry_after
    return UpdateFailed(**kwargs)
