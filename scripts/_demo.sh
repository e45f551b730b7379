# shellcheck shell=bash
# Shared by scripts/develop and scripts/e2e: the demo environment (a real Home Assistant with its
# frontend), the emulator and `hass` as background processes, and stopping them.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# The Home Assistant release each demo environment runs: the newest is what users run (Python
# 3.14), the minimum the oldest release hacs.json allows (Python 3.13).
demo_ha_version() {
  case "$1" in
    newest) echo "2026.11.0" ;;
    min) echo "2025.4.4" ;;
    *) echo "unknown demo environment $1" >&2; exit 2 ;;
  esac
}

# ensure_demo_env newest|min -> prints the environment's directory: Home Assistant (not the test
# harness), the integration's requirements, and every requirement of the integrations the demo
# configuration loads (frontend, recorder, ...), so that Home Assistant installs nothing itself.
# Run its commands with `in_env demo-FLAVOUR ...` (or `"${PY314_PREFIX[@]}"` after
# `demo_prefix FLAVOUR`).
ensure_demo_env() {
  local flavour="$1" version env_dir pins
  version="$(demo_ha_version "$flavour")"
  env_dir="$(_env_dir "demo-$flavour")"
  pins="$( { _python_identity "demo-$flavour"; echo "$version"; cat "$ROOT/requirements.txt" \
    "$ROOT/config/configuration.yaml" "$ROOT/scripts/devtools/ha_requirements.py"; } | sha256sum | cut -c1-16)"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then
    echo "$env_dir"; return
  fi
  with_env_lock "demo-$flavour" _build_demo_env "$flavour" "$env_dir" "$version" "$pins"
  echo "$env_dir"
}

_build_demo_env() {
  local flavour="$1" env_dir="$2" version="$3" pins="$4" kind="demo-$1"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then return 0; fi
  echo ">> creating the demo environment (Home Assistant $version) in $env_dir (a few minutes)" >&2
  _create_venv "$kind" "$env_dir"
  env_pip "$kind" "$env_dir" "homeassistant==$version" -r "$ROOT/requirements.txt"
  local constraints reqs="$env_dir/demo-requirements.txt"
  constraints="$(in_env "$kind" "$env_dir/bin/python" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"
  in_env "$kind" "$env_dir/bin/python" "$ROOT/scripts/devtools/ha_requirements.py" "$ROOT/config/configuration.yaml" > "$reqs"
  env_pip "$kind" "$env_dir" -r "$reqs" -c "$constraints"
  echo "$pins" > "$env_dir/.pins"
}

# demo_prefix newest|min: PY314_PREFIX runs a command of that demo environment (empty for min).
demo_prefix() {
  if [[ "$1" == newest ]]; then py314_prefix; else PY314_PREFIX=(); fi
}

# ensure_node_modules -> the node_modules directory of the dashboard check (puppeteer-core, from
# scripts/devtools/dashboard/package-lock.json), installed once under the cache.
ensure_node_modules() {
  local source="$ROOT/scripts/devtools/dashboard" target pins
  pins="$(cat "$source/package.json" "$source/package-lock.json" | sha256sum | cut -c1-16)"
  target="$CACHE_ROOT/node/dashboard-$pins"
  if [[ ! -f "$target/.ready" ]]; then
    echo ">> installing puppeteer-core for the dashboard check in $target" >&2
    rm -rf "$target" && mkdir -p "$target"
    cp "$source/package.json" "$source/package-lock.json" "$target/"
    # puppeteer-core downloads no browser; Debian's chromium is used.
    (cd "$target" && npm ci --no-audit --no-fund --loglevel=error) >&2 || return 1
    touch "$target/.ready"
  fi
  echo "$target/node_modules"
}

# check_dashboard SESSION SCREENSHOT: render the dashboard in Chromium and check it (prints PASS and
# FAIL lines, then "N passed, M failed"). Without Chromium or Node.js: says so, and fails in CI.
check_dashboard() {
  local session="$1" screenshot="$2" modules missing=""
  command -v node >/dev/null 2>&1 || missing="Node.js (node, npm)"
  [[ -x "${SPOTIFREAK_CHROMIUM:-/usr/bin/chromium}" ]] || missing="${missing:+$missing and }Chromium (apt-get install chromium)"
  if [[ -n "$missing" ]]; then
    if [[ -n "${CI:-}" ]]; then
      echo "  FAIL the dashboard is rendered in Chromium: $missing not installed"
      echo "0 passed, 1 failed"
      return 1
    fi
    echo "  SKIP the dashboard is not rendered: $missing not installed (CI fails here)"
    echo "0 passed, 0 failed"
    return 0
  fi
  if [[ ! -f "$session" ]]; then
    echo "  FAIL the dashboard is rendered in Chromium: the end-to-end run did not reach the dashboard"
    echo "0 passed, 1 failed"
    return 1
  fi
  modules="$(ensure_node_modules)" || { echo "  FAIL puppeteer-core could not be installed"; echo "0 passed, 1 failed"; return 1; }
  mkdir -p "$(dirname "$screenshot")"
  node "$ROOT/scripts/devtools/dashboard/render_dashboard.cjs" --modules "$modules" \
    --session "$session" --screenshot "$screenshot"
}

# free_port -> a TCP port nobody listens on at 127.0.0.1 right now.
free_port() {
  "$(host_python)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# port_in_use PORT -> success when something listens on 127.0.0.1:PORT.
port_in_use() {
  "$(host_python)" -c 'import socket, sys; s = socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
}

# prepare_config DIR -> DIR holds configuration.yaml (copied unless it is config/ itself), fresh
# state, the repository's blueprints and a link to its custom_components.
prepare_config() {
  local dir="$1"
  mkdir -p "$dir"
  if [[ ! "$dir/configuration.yaml" -ef "$ROOT/config/configuration.yaml" ]]; then
    cp "$ROOT/config/configuration.yaml" "$dir/configuration.yaml"
  fi
  # Everything but configuration.yaml is generated: start from a clean slate every time (the
  # emulator's tokens do not outlive it, so an old .storage would only ask for re-authorization).
  find "$dir" -mindepth 1 -maxdepth 1 ! -name configuration.yaml -exec rm -rf {} +
  mkdir -p "$dir/blueprints/automation"
  cp -r "$ROOT/blueprints/automation/spotifreak" "$dir/blueprints/automation/spotifreak"
  ln -s "$ROOT/custom_components" "$dir/custom_components"
  echo "[]" > "$dir/automations.yaml"
  echo "{}" > "$dir/scripts.yaml"
}

# start_emulator PYTHON PORT LOGFILE -> prints the emulator's pid (the demo library: about 120
# playlists, 800 liked songs, one Last.fm user). PY314_PREFIX (see demo_prefix) runs it.
start_emulator() {
  local python="$1" port="$2" log="$3"
  (cd "$ROOT" && py314_prefix_here && exec "${PY314_PREFIX[@]}" "$python" -m tests.emulator --host 127.0.0.1 --port "$port" --seed 7 \
    --playlists 120 --liked 800 --catalogue 1500 --lastfm-users 1) >"$log" 2>&1 &
  echo $!
}

# start_hass PYTHON CONFIG_DIR PORT EMULATOR_PORT LOGFILE -> prints the pid of Home Assistant,
# started through the launcher (which skips only onboarding's cloud flows). PY314_PREFIX runs it.
start_hass() {
  local python="$1" config="$2" port="$3" emu_port="$4" log="$5"
  (
    cd "$ROOT" || exit 1
    export SPOTIFREAK_HA_PORT="$port"
    export SPOTIFREAK_SPOTIFY_API_URL="http://127.0.0.1:$emu_port/v1/"
    export SPOTIFREAK_SPOTIFY_ACCOUNTS_URL="http://127.0.0.1:$emu_port"
    export SPOTIFREAK_LASTFM_API_URL="http://127.0.0.1:$emu_port/2.0/"
    py314_prefix_here
    exec "${PY314_PREFIX[@]}" "$python" "$ROOT/scripts/devtools/hass_launcher.py" -c "$config"
  ) >"$log" 2>&1 &
  echo $!
}

# wait_http URL SECONDS PID -> success once URL answers at all (any HTTP status); fails when PID
# exits first or the time runs out.
wait_http() {
  local url="$1" seconds="$2" pid="$3" waited=0
  while ! "$(host_python)" - "$url" <<'PY' 2>/dev/null
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1], timeout=2)
except urllib.error.HTTPError:
    pass
PY
  do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if ((waited >= seconds)); then return 1; fi
    sleep 1
    waited=$((waited + 1))
  done
}

# stop_process PID NAME SECONDS -> SIGTERM, wait up to SECONDS, then SIGKILL.
stop_process() {
  local pid="$1" name="$2" seconds="${3:-30}" waited=0
  [[ -n "$pid" ]] || return 0
  kill -0 "$pid" 2>/dev/null || return 0
  echo ">> stopping $name (pid $pid)" >&2
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= seconds * 10)); then
      echo ">> $name did not stop within ${seconds}s: killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null || true
}
