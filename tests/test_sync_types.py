"""Each sync type's options, declared once in core, agree with everything derived from them.

The action schema and the subentry form are derived in code; `services.yaml` (what Home
Assistant's UI shows for an action) and `strings.json` are files, so they are checked here.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from custom_components.spotifreak.core.lastfm_options import LastfmOptions
from custom_components.spotifreak.core.mirror_options import MirrorOptions
from custom_components.spotifreak.core.options import OptionType, SyncOptions
from custom_components.spotifreak.core.retention_options import RetentionOptions
from custom_components.spotifreak.sync_types import SYNC_TYPES, SyncType

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "spotifreak"
SERVICES = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
STRINGS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
OPTIONS_CLASSES: dict[str, type[SyncOptions]] = {
    "playlist_mirror": MirrorOptions,
    "lastfm_top_tracks": LastfmOptions,
    "playlist_retention": RetentionOptions,
}
COMMON_FIELDS = {"sync_id", "config_entry_id", "dry_run"}  # action fields, not options


@pytest.mark.parametrize("sync_type", SYNC_TYPES.values(), ids=list(SYNC_TYPES))
def test_the_options_dataclass_declares_the_spec(sync_type: SyncType) -> None:
    """Its fields are the options, in order, with the spec's defaults."""
    declared = fields(OPTIONS_CLASSES[sync_type.key])  # type: ignore[arg-type]
    assert [field.name for field in declared] == [option.key for option in sync_type.options]
    for field in declared:
        option = sync_type.options[field.name]
        default = None if field.default is MISSING else field.default
        assert default == option.default, field.name
        assert (field.default is MISSING) == option.required, field.name


@pytest.mark.parametrize("sync_type", SYNC_TYPES.values(), ids=list(SYNC_TYPES))
def test_services_yaml_shows_the_spec(sync_type: SyncType) -> None:
    """The action's fields in services.yaml: the same names, required flags, defaults, choices."""
    shown: dict[str, Any] = SERVICES[sync_type.action]["fields"]
    assert set(shown) == {option.key for option in sync_type.options} | COMMON_FIELDS
    for option in sync_type.options:
        field = shown[option.key]
        assert bool(field.get("required")) == option.required, option.key
        assert field.get("default") == option.default, option.key
        selector = field["selector"]
        if option.type is OptionType.CHOICE:
            assert selector["select"]["options"] == list(option.choices), option.key
            assert selector["select"]["translation_key"] == option.choices_key
        if option.type is OptionType.INTEGER:
            assert selector["number"]["min"] == option.minimum, option.key
            if option.maximum is not None:
                assert selector["number"]["max"] == option.maximum, option.key
        if option.type is OptionType.BOOLEAN:
            assert "boolean" in selector, option.key


@pytest.mark.parametrize("sync_type", SYNC_TYPES.values(), ids=list(SYNC_TYPES))
def test_the_subentry_form_is_translated(sync_type: SyncType) -> None:
    """Every field of the form (the options and the name) has a label; choices are translated."""
    flow = STRINGS["config_subentries"][sync_type.key]
    for step in ("user", "reconfigure"):
        labels = flow["step"][step]["data"]
        assert set(labels) == {"name"} | {option.key for option in sync_type.options}, step
    for option in sync_type.options:
        if option.type is OptionType.CHOICE:
            assert set(STRINGS["selector"][option.choices_key]["options"]) == set(option.choices)
