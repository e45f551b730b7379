"""Print the Python requirements of the Home Assistant integrations the demo instance loads.

Run with the demo environment's Python: `python scripts/devtools/ha_requirements.py config/configuration.yaml`.
The integrations are the ones Home Assistant always sets up (bootstrap's core and default sets),
the top-level keys of the given configuration.yaml, Spotifreak's own dependencies, the entity
components Home Assistant imports to describe actions, and everything those depend on. Installing these before the first start means Home Assistant installs nothing
at start-up.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
import re
import sys

from homeassistant import bootstrap
import homeassistant.components
from homeassistant.helpers import service

COMPONENTS = Path(homeassistant.components.__path__[0])
ROOT = Path(__file__).resolve().parents[2]
# Loaded by bootstrap whatever the configuration says (stage 0 also lists isal, sentry, debugpy
# and zeroconf, but only sets them up when configured).
ALWAYS = {"logger", "network", "system_log", "frontend", "recorder"}


def configured_domains(configuration: Path) -> set[str]:
    """Top-level keys of configuration.yaml (no YAML parsing needed for `!include` and friends)."""
    keys = re.findall(r"^([a-z_][a-z0-9_]*):", configuration.read_text(encoding="utf-8"), re.M)
    return {key for key in keys if key != "homeassistant"}


def service_base_components() -> set[str]:
    """Entity components that `homeassistant.helpers.service` imports the first time action
    descriptions are read (the frontend asks for them on every page load): their modules import
    conversation (hassil), assist_pipeline and others, so their requirements must be there."""
    source = inspect.getsource(service)
    match = re.search(
        r"def _base_components\(.*?from homeassistant\.components import \((.*?)\)", source, re.S
    )
    return set(re.findall(r"[a-z_]+", match.group(1))) if match else set()


def manifest(domain: str) -> dict[str, object] | None:
    path = COMPONENTS / domain / "manifest.json"
    if not path.exists():
        return None
    data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return data


def main() -> int:
    configuration = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "config/configuration.yaml"
    custom = json.loads(
        (ROOT / "custom_components/spotifreak/manifest.json").read_text(encoding="utf-8")
    )
    todo = (
        set(bootstrap.CORE_INTEGRATIONS)
        | set(bootstrap.DEFAULT_INTEGRATIONS)
        | ALWAYS
        | configured_domains(configuration)
        | set(custom.get("dependencies", []))
        | service_base_components()
    )
    seen: set[str] = set()
    requirements: set[str] = set()
    while todo:
        domain = todo.pop()
        if domain in seen:
            continue
        seen.add(domain)
        data = manifest(domain)
        if data is None:
            continue
        requirements.update(str(req) for req in data.get("requirements", []) or [])  # type: ignore[attr-defined]
        todo.update(str(dep) for dep in data.get("dependencies", []) or [])  # type: ignore[attr-defined]
    print("\n".join(sorted(requirements, key=str.lower)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
