# shellcheck shell=bash
# Shared by the scripts: locate Python 3.13 and create or reuse a test environment.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_ROOT="${SPOTIFREAK_VENV_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/spotifreak/venv}"

find_python() {
  # A bare python3.13 fails through pyenv's shim on the build machines, so look for it explicitly.
  if [[ -n "${SPOTIFREAK_PYTHON:-}" ]]; then echo "$SPOTIFREAK_PYTHON"; return; fi
  if command -v pyenv >/dev/null 2>&1; then
    local candidate
    candidate="$(pyenv root)/versions/3.13.0/bin/python3.13"
    if [[ -x "$candidate" ]]; then echo "$candidate"; return; fi
    candidate="$(PYENV_VERSION=3.13.0 pyenv which python3.13 2>/dev/null || true)"
    if [[ -n "$candidate" && -x "$candidate" ]]; then echo "$candidate"; return; fi
  fi
  if command -v python3.13 >/dev/null 2>&1 && python3.13 -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
    command -v python3.13; return
  fi
  echo "error: Python 3.13 not found; set SPOTIFREAK_PYTHON to its path" >&2
  exit 1
}

# ensure_env newest|min -> prints the environment's directory; (re)creates it when the pins changed.
ensure_env() {
  local flavour="$1" reqs
  case "$flavour" in
    newest) reqs="$ROOT/requirements_test.txt" ;;
    min) reqs="$ROOT/requirements_test_min.txt" ;;
    *) echo "unknown environment $flavour" >&2; exit 2 ;;
  esac
  local env_dir="$VENV_ROOT/$flavour"
  local pins
  pins="$(cat "$reqs" "$ROOT"/requirements.txt "$ROOT"/requirements_test_common.txt "$ROOT"/requirements_lint.txt | sha256sum | cut -c1-16)"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then
    echo "$env_dir"; return
  fi
  local python
  python="$(find_python)"
  echo ">> creating the $flavour test environment in $env_dir (about three minutes)" >&2
  rm -rf "$env_dir"
  mkdir -p "$VENV_ROOT"
  "$python" -m venv "$env_dir" >&2
  "$env_dir/bin/pip" install -q --upgrade pip >&2
  # Home Assistant 2026.2 declares Python >= 3.13.2; it runs on the machines' 3.13.0.
  # (pip config on some machines names local indexes that do not exist: keep their warnings out.)
  "$env_dir/bin/pip" install -q --ignore-requires-python -r "$reqs" 2>&1 | { grep -v "^WARNING: Location" >&2 || true; }
  [[ "${PIPESTATUS[0]}" == 0 ]] || { echo "error: installing $reqs failed" >&2; exit 1; }
  echo "$pins" > "$env_dir/.pins"
  echo "$env_dir"
}
