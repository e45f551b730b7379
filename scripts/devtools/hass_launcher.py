"""Start Home Assistant for the demo (`hass` with the same arguments), with two demo-only changes.

1. Home Assistant 2025.5-2026.2 refuse to start below Python 3.13.2; the build machines have
   3.13.0, on which the test suites of 2026.2.3 pass. When (and only when) the running Python is
   below the required patch level, this launcher skips that one check and says so.
2. Finishing onboarding's "core config" step starts config flows of met, google_translate and
   radio_browser, which install packages and call their cloud services. The demo runs without
   internet access, so those three onboarding flows are skipped (and logged as skipped). Nothing
   else is changed; all other integrations and flows behave as in any Home Assistant.

Never use this launcher for a real installation.
"""

from __future__ import annotations

import sys
from typing import Any

from homeassistant import __main__ as ha_main, config_entries
from homeassistant.const import REQUIRED_PYTHON_VER, __version__

ONBOARDING_CLOUD_FLOWS = frozenset({"google_translate", "met", "radio_browser"})


def _note(message: str) -> None:
    print(f"[spotifreak demo launcher] {message}", file=sys.stderr, flush=True)


def _skip_python_patch_check() -> None:
    required = ".".join(str(part) for part in REQUIRED_PYTHON_VER)
    running = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:3] < REQUIRED_PYTHON_VER:
        if sys.version_info[:2] < REQUIRED_PYTHON_VER[:2]:
            _note(f"Home Assistant {__version__} needs Python {required}; this is {running}")
            sys.exit(1)
        _note(
            f"Home Assistant {__version__} asks for Python >= {required}; running on {running} "
            "anyway (its test suite passes on it). Demo and development use only."
        )


def _skip_onboarding_cloud_flows() -> None:
    original = config_entries.ConfigEntriesFlowManager.async_init

    async def async_init(
        self: config_entries.ConfigEntriesFlowManager,
        handler: str,
        *,
        context: dict[str, Any] | None = None,
        data: Any = None,
    ) -> Any:
        if handler in ONBOARDING_CLOUD_FLOWS and (context or {}).get("source") == "onboarding":
            _note(f"skipped onboarding's {handler} config flow (the demo has no internet access)")
            return {"type": "abort", "flow_id": "", "handler": handler, "reason": "demo_offline"}
        return await original(self, handler, context=context, data=data)

    config_entries.ConfigEntriesFlowManager.async_init = async_init  # type: ignore[method-assign]


def main() -> int:
    ha_main.validate_python = _skip_python_patch_check
    _skip_onboarding_cloud_flows()
    sys.argv[0] = "hass"
    return ha_main.main()


if __name__ == "__main__":
    sys.exit(main())
