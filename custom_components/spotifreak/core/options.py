"""Sync options, declared once: what an action accepts, a subentry form asks and a sync reads.

Each sync type declares its options as an `OptionsSpec` beside its algorithm. The Home Assistant
side derives the action's schema and the subentry form from it (`sync_types.py`); the sync's
options dataclass reads action or subentry data through it (`SyncOptions.from_dict`).

Values a user can get wrong (a period, a limit out of range) are not refused by the action's
schema: the sync checks them before anything is written and names the problem in words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Self

from .engine import SyncInputError


class OptionType(StrEnum):
    """What kind of value an option holds."""

    TEXT = "text"  # a string
    TEXTS = "texts"  # a list of strings; one string alone is a list of one
    BOOLEAN = "boolean"
    INTEGER = "integer"  # within `minimum` and `maximum`, checked by the sync
    CHOICE = "choice"  # one of `choices`, checked by the sync


@dataclass(frozen=True, slots=True)
class Option:
    """One option of a sync type."""

    key: str
    type: OptionType
    default: Any = None  # the value when left out; None: no default
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()
    suggested: Any = None  # where a form starts a required option without a default
    translation_key: str | None = None  # of a choice's labels; None: the option's key

    @property
    def choices_key(self) -> str:
        """Return the translation key of the choices' labels (shared by options of one meaning)."""
        return self.translation_key or self.key

    def read(self, data: Mapping[str, Any]) -> Any:
        """Return the option's value in action or subentry data (the default when left out)."""
        raw = data.get(self.key)
        if self.type is OptionType.TEXTS:
            values = raw or ()
            return [values] if isinstance(values, str) else list(values)
        if self.type is OptionType.BOOLEAN:
            return bool(data.get(self.key, self.default))
        if self.type is OptionType.INTEGER:
            return self.default if raw is None or raw == "" else int(raw)
        if raw:
            return str(raw)
        return "" if self.required else self.default


class OptionsSpec:
    """The options of one sync type, in the order a form shows them."""

    def __init__(self, *options: Option) -> None:
        """Initialize the spec with its options, in form order."""
        self._options = {option.key: option for option in options}

    def __iter__(self) -> Iterator[Option]:
        """Iterate over the options in form order."""
        return iter(self._options.values())

    def __getitem__(self, key: str) -> Option:
        """Return the option with this key."""
        return self._options[key]

    def default(self, key: str) -> Any:
        """Return an option's default (what the options dataclass declares, too)."""
        return self._options[key].default

    def read(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return every option's value in action or subentry data; unknown keys are ignored."""
        return {key: option.read(data) for key, option in self._options.items()}


class SyncOptions:
    """Base of a sync type's options dataclass: read and stored through its `spec`."""

    __slots__ = ()
    spec: ClassVar[OptionsSpec]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Build from an action call's or a subentry's data (unknown keys are ignored)."""
        return cls(**cls.spec.read(data))

    def check_bounds(self, *keys: str) -> None:
        """Raise `SyncInputError` (`invalid_option`) for an integer option out of its bounds."""
        for key in keys:
            value, option = getattr(self, key), self.spec[key]
            if value is None or (
                (option.minimum is None or value >= option.minimum)
                and (option.maximum is None or value <= option.maximum)
            ):
                continue
            bounds = (
                f"between {option.minimum} and {option.maximum}"
                if option.maximum is not None
                else f"at least {option.minimum}"
            )
            raise SyncInputError(
                "invalid_option", f"{key} must be {bounds}", {"option": key, "value": str(value)}
            )

    def check_choices(self, *keys: str) -> None:
        """Raise `SyncInputError` (`invalid_option`) for a value that is not one of the choices."""
        for key in keys:
            value, choices = getattr(self, key), self.spec[key].choices
            if value not in choices:
                raise SyncInputError(
                    "invalid_option",
                    f"Unknown {key} {value!r} (one of {', '.join(choices)})",
                    {"option": key, "value": str(value)},
                )

    def as_dict(self) -> dict[str, Any]:
        """Return the stored form (subentry data)."""
        values = {option.key: getattr(self, option.key) for option in self.spec}
        return {
            key: list(value) if isinstance(value, tuple) else value for key, value in values.items()
        }
