"""Repair issues: one id per problem and entry, created and deleted in one place."""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .compat import ISSUE_CONFIG_ENTRY_ID
from .const import DOMAIN

ISSUE_CACHE_STALE = "cache_stale"
ISSUE_LASTFM_AUTH = "lastfm_auth"
ISSUE_AUTHORIZATION_SOON = "authorization_expiring"
ISSUE_AUTHORIZATION_DUE = "authorization_expires_today"
ISSUE_QUOTA_EXCEEDED = "quota_exceeded"
ENTRY_ISSUES = (
    ISSUE_CACHE_STALE,
    ISSUE_LASTFM_AUTH,
    ISSUE_AUTHORIZATION_SOON,
    ISSUE_AUTHORIZATION_DUE,
    ISSUE_QUOTA_EXCEEDED,
)


def issue_id(kind: str, entry_id: str) -> str:
    """Return the id of an entry's repair issue of one kind."""
    return f"{kind}_{entry_id}"


@callback
def async_create_entry_issue(
    hass: HomeAssistant,
    entry_id: str,
    kind: str,
    *,
    severity: ir.IssueSeverity,
    translation_placeholders: dict[str, str],
    **kwargs: Any,
) -> None:
    """Raise (or update) an entry's repair issue; its translation key is its kind.

    Where Home Assistant supports it (2026.x), the issue belongs to the entry and goes with it.
    """
    if ISSUE_CONFIG_ENTRY_ID:
        kwargs["config_entry_id"] = entry_id
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id),
        is_fixable=kwargs.pop("is_fixable", False),
        severity=severity,
        translation_key=kind,
        translation_placeholders=translation_placeholders,
        **kwargs,
    )


@callback
def async_delete_entry_issue(hass: HomeAssistant, entry_id: str, kind: str) -> None:
    """Clear an entry's repair issue of one kind (nothing happens when there is none)."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id))


@callback
def async_delete_entry_issues(hass: HomeAssistant, entry_id: str) -> None:
    """Clear every repair issue of a removed entry (older releases keep them otherwise)."""
    for kind in ENTRY_ISSUES:
        async_delete_entry_issue(hass, entry_id, kind)
