"""Write custom_components/spotifreak/translations/en.json from strings.json.

Home Assistant resolves `[%key:...]` references only for core integrations; a custom integration
loads translations/en.json as it is, so the references are resolved here, against Home
Assistant's own strings.json and ours. `--check` exits 1 when en.json is out of date.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
from typing import Any

import homeassistant

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / "spotifreak"
REFERENCE = re.compile(r"\[%key:([^%]+)%\]")


def _lookup(tree: dict[str, Any], path: str) -> str:
    node: Any = tree
    for part in path.split("::"):
        node = node[part]
    if not isinstance(node, str):
        raise TypeError(f"{path} is not a string")
    return node


def render() -> dict[str, Any]:
    """strings.json with every reference resolved."""
    ours = json.loads((COMPONENT / "strings.json").read_text(encoding="utf-8"))
    core = json.loads(
        (Path(homeassistant.__file__).parent / "strings.json").read_text(encoding="utf-8")
    )
    roots = {"common": core["common"], "component": {"spotifreak": ours}}

    def resolve(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, str):
            for _ in range(5):  # references may point at references
                new = REFERENCE.sub(lambda m: _lookup(roots, m.group(1)), value)
                if new == value:
                    break
                value = new
        return value

    rendered: dict[str, Any] = resolve(ours)
    return rendered


def main() -> int:
    """Write, or with --check compare."""
    text = json.dumps(render(), indent=2, ensure_ascii=False) + "\n"
    target = COMPONENT / "translations" / "en.json"
    if "--check" in sys.argv:
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            print("translations/en.json is out of date: run scripts/translations")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
