"""Strings: every key the code uses is translated, and translations/en.json is generated from strings.json."""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys

import pytest
import yaml

from homeassistant.const import __version__ as ha_version

from .helpers import NEWEST_HA

COMPONENT = Path(__file__).resolve().parent.parent / "custom_components" / "spotifreak"
STRINGS = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
CODE = "\n".join(path.read_text(encoding="utf-8") for path in COMPONENT.rglob("*.py"))


@pytest.mark.skipif(
    ha_version != NEWEST_HA, reason="en.json is generated with the newest Home Assistant's strings"
)
def test_en_json_is_generated_from_strings() -> None:
    """translations/en.json is strings.json with the [%key:...] references resolved."""
    sys.path.insert(0, str(COMPONENT.parent.parent / "scripts"))
    try:
        from gen_translations import render
    finally:
        sys.path.pop(0)
    english = json.loads((COMPONENT / "translations" / "en.json").read_text(encoding="utf-8"))
    assert english == render(), "run scripts/translations"
    assert "[%key:" not in json.dumps(english)


def test_every_exception_key_is_translated() -> None:
    """Every translation_key the code raises with has a message."""
    used = set(re.findall(r'translation_key="([a-z_]+)"', CODE))
    used |= set(re.findall(r'return "([a-z_]+)"\n', CODE)) & set(STRINGS["exceptions"])
    missing = {
        key
        for key in used
        if key not in STRINGS["exceptions"]
        and key not in STRINGS.get("issues", {})
        and key not in STRINGS["entity"].get("sensor", {})
        and key not in STRINGS["entity"].get("binary_sensor", {})
        and key not in STRINGS["entity"].get("button", {})
        and key not in STRINGS.get("selector", {})
    }
    assert not missing


def test_every_action_and_field_is_translated() -> None:
    """Each action in services.yaml has a name, a description and translated fields."""
    services = yaml.safe_load((COMPONENT / "services.yaml").read_text(encoding="utf-8"))
    for service, spec in services.items():
        strings = STRINGS["services"][service]
        assert strings["name"]
        assert strings["description"]
        for field in (spec or {}).get("fields", {}):
            assert strings["fields"][field]["name"], f"{service}.{field}"
            assert strings["fields"][field]["description"], f"{service}.{field}"
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))
    assert set(icons["services"]) == set(services)


def test_every_entity_has_a_name_and_icon() -> None:
    """Entity translation keys have names in strings.json and icons in icons.json."""
    icons = json.loads((COMPONENT / "icons.json").read_text(encoding="utf-8"))
    for platform, entities in STRINGS["entity"].items():
        for key, strings in entities.items():
            assert strings["name"], f"{platform}.{key}"
            assert key in icons["entity"][platform], f"icon for {platform}.{key}"


# hassfest's rules for translation strings (script/hassfest/translations.py in Home Assistant core).
URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")


def _strings(tree: object, path: str = "") -> list[tuple[str, str]]:
    if isinstance(tree, dict):
        return [item for key, value in tree.items() for item in _strings(value, f"{path}.{key}")]
    return [(path.lstrip("."), tree)] if isinstance(tree, str) else []


@pytest.mark.parametrize("name", ["strings.json", "translations/en.json"])
def test_strings_follow_hassfest_rules(name: str) -> None:
    """No URL, no HTML and no placeholder in single quotes: links go through placeholders."""
    from homeassistant.helpers.config_validation import string_with_no_html

    tree = json.loads((COMPONENT / name).read_text(encoding="utf-8"))
    problems: list[str] = []
    for path, text in _strings(tree):
        if URL.search(text):
            problems.append(f"{path}: URL")
        if PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
            problems.append(f"{path}: placeholder in single quotes")
        try:
            string_with_no_html(text)
        except Exception:  # vol.Invalid: HTML in the string
            problems.append(f"{path}: HTML")
    assert not problems, problems
