"""Fix flows of the repair issues: the authorization's expiry is fixed by authorizing again.

The fix starts the entry's reauth flow and ends; the issue stays until the reauth is done (the
entry then records a new `authorized_at` and reloads, which clears it). Until then the current
authorization keeps working: the flow is marked as started early, so actions are not held back
as they are while Spotify refuses the account (`SpotifyAccount.reauth_pending`).
"""

from __future__ import annotations

from homeassistant.components.repairs import RepairsFlow
from homeassistant.core import HomeAssistant

from .api import EARLY_REAUTH
from .compat import RepairsFlowResult


class AuthorizeAgainFlow(RepairsFlow):
    """Confirm, then start the reauth flow of the account the issue is about."""

    def __init__(self, entry_id: str | None) -> None:
        """Initialize the flow for one config entry."""
        self._entry_id = entry_id

    async def async_step_init(self, user_input: dict[str, str] | None = None) -> RepairsFlowResult:
        """Start with the confirmation."""
        return await self.async_step_confirm()

    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Explain; once confirmed, start the reauth flow (finished on the integration's page)."""
        entry = self.hass.config_entries.async_get_entry(self._entry_id) if self._entry_id else None
        if entry is None:
            return self.async_abort(reason="entry_removed")
        if user_input is None:
            return self.async_show_form(
                step_id="confirm", description_placeholders={"account": entry.title}
            )
        # Marked as early: the authorization still works until the user finishes the flow.
        entry.async_start_reauth(self.hass, context={EARLY_REAUTH: True})  # type: ignore[arg-type]
        return self.async_abort(reason="reauth_started")


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, str | int | float | None] | None
) -> RepairsFlow:
    """Return the fix flow of a fixable issue (the authorization issues are the fixable ones)."""
    return AuthorizeAgainFlow(str((data or {}).get("entry_id") or "") or None)
