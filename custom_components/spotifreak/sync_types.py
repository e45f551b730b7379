"""Each sync type in Home Assistant: its action, its device, its action schema and its form.

A sync type's options are declared once, in core, beside its algorithm (`core/options.py`). Here
they become the voluptuous schema of the action that runs the sync with inline options and the
selectors of the subentry form of a configured sync: field names, defaults, bounds and choices
(and so the translation keys of both) all come from that one declaration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import voluptuous as vol

from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.selector import (
    BooleanSelector,
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
)

from .core.lastfm_options import LASTFM_OPTIONS, SYNC_TYPE as SYNC_TYPE_LASTFM
from .core.mirror_options import MIRROR_OPTIONS, SYNC_TYPE as SYNC_TYPE_MIRROR
from .core.options import Option, OptionsSpec, OptionType
from .core.retention_options import RETENTION_OPTIONS, SYNC_TYPE as SYNC_TYPE_RETENTION

__all__ = [
    "SYNC_TYPES",
    "SYNC_TYPE_LASTFM",
    "SYNC_TYPE_MIRROR",
    "SYNC_TYPE_RETENTION",
    "SyncType",
    "action_fields",
]

DROPDOWN_FROM: Final = 6  # a list of this many choices or more is shown as a dropdown


@dataclass(frozen=True, slots=True)
class SyncType:
    """A sync type as Home Assistant shows it."""

    key: str  # the subentry type and the run records' `sync_type`
    action: str  # the action that runs it with inline options
    model: str  # the model of a configured sync's device
    options: OptionsSpec

    def action_fields(self) -> dict[vol.Marker, Any]:
        """Return the action's fields: required ones, and defaults filled in."""
        return action_fields(self.options)

    def form_fields(self, current: dict[str, Any]) -> dict[vol.Marker, Any]:
        """Return the subentry form's fields, filled in with `current` values.

        An option with a default, or a required one, starts from it (or from where the form
        suggests starting); an optional one without a default is only suggested.
        """
        fields: dict[vol.Marker, Any] = {}
        for option in self.options:
            if option.required or option.default is not None:
                start = option.default if option.default is not None else _form_start(option)
                marker: vol.Marker = vol.Required(
                    option.key, default=current.get(option.key, start)
                )
            else:
                marker = vol.Optional(
                    option.key, description={"suggested_value": current.get(option.key)}
                )
            fields[marker] = _selector(option)
        return fields


SYNC_TYPES: Final[dict[str, SyncType]] = {
    SYNC_TYPE_MIRROR: SyncType(
        SYNC_TYPE_MIRROR, "mirror_playlist", "Playlist mirror", MIRROR_OPTIONS
    ),
    SYNC_TYPE_LASTFM: SyncType(
        SYNC_TYPE_LASTFM, "lastfm_top_tracks", "Last.fm top tracks", LASTFM_OPTIONS
    ),
    SYNC_TYPE_RETENTION: SyncType(
        SYNC_TYPE_RETENTION, "prune_playlist", "Playlist retention", RETENTION_OPTIONS
    ),
}

# Only types are checked here: values a user can get wrong are checked by the sync, which names
# the problem in words instead of a schema message.
_ACTION_VALIDATORS: Final[dict[OptionType, Any]] = {
    OptionType.TEXT: cv.string,
    # Not coerced to text: a number or a boolean in the list is refused in words by the sync.
    OptionType.TEXTS: vol.All(cv.ensure_list, list),
    OptionType.BOOLEAN: cv.boolean,
    OptionType.INTEGER: vol.Coerce(int),
    OptionType.CHOICE: cv.string,
}


def action_fields(options: OptionsSpec) -> dict[vol.Marker, Any]:
    """Return the fields of an action taking these options: required ones, defaults filled in."""
    fields: dict[vol.Marker, Any] = {}
    for option in options:
        if option.required:
            marker: vol.Marker = vol.Required(option.key)
        elif option.default is not None:
            marker = vol.Optional(option.key, default=option.default)
        else:
            marker = vol.Optional(option.key)
        fields[marker] = _ACTION_VALIDATORS[option.type]
    return fields


def _form_start(option: Option) -> Any:
    if option.suggested is not None:
        return option.suggested
    return [] if option.type is OptionType.TEXTS else ""


def _selector(option: Option) -> Any:
    """Return the selector of an option in a subentry form (numbers validated as integers)."""
    if option.type is OptionType.BOOLEAN:
        return BooleanSelector()
    if option.type is OptionType.TEXTS:
        return TextSelector(TextSelectorConfig(multiple=True))
    if option.type is OptionType.CHOICE:
        config = SelectSelectorConfig(
            options=list(option.choices), translation_key=option.choices_key
        )
        if len(option.choices) >= DROPDOWN_FROM:
            config["mode"] = SelectSelectorMode.DROPDOWN
        return SelectSelector(config)
    if option.type is OptionType.INTEGER:
        number = NumberSelectorConfig()
        if option.minimum is not None:
            number["min"] = option.minimum
        if option.maximum is not None:
            number["max"] = option.maximum
        number["step"] = 1
        number["mode"] = NumberSelectorMode.BOX
        return vol.All(NumberSelector(number), vol.Coerce(int))
    return TextSelector()
