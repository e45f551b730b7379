# shellcheck shell=bash
# Shared by scripts/develop and scripts/e2e: the demo environment (a real Home Assistant with its
# frontend), the emulator and `hass` as background processes, and stopping them.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"

# The Home Assistant releases of the two test environments (requirements_test*.txt pin them
# through pytest-homeassistant-custom-component).
demo_ha_version() {
  case "$1" in
    newest) echo "2026.2.3" ;;
    min) echo "2025.4.4" ;;
    *) echo "unknown demo environment $1" >&2; exit 2 ;;
  esac
}

# ensure_demo_env newest|min -> prints the environment's directory: Home Assistant (not the test
# harness), the integration's requirements, and every requirement of the integrations the demo
# configuration loads (frontend, recorder, ...), so that Home Assistant installs nothing itself.
ensure_demo_env() {
  local flavour="$1" version
  version="$(demo_ha_version "$flavour")"
  local env_dir="$VENV_ROOT/demo-$flavour"
  local pins
  pins="$( { echo "$version"; cat "$ROOT/requirements.txt" "$ROOT/config/configuration.yaml" \
    "$ROOT/scripts/devtools/ha_requirements.py"; } | sha256sum | cut -c1-16)"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then
    echo "$env_dir"; return
  fi
  local python
  python="$(find_python)"
  echo ">> creating the demo environment (Home Assistant $version) in $env_dir (a few minutes)" >&2
  rm -rf "$env_dir"
  mkdir -p "$VENV_ROOT"
  "$python" -m venv "$env_dir" >&2
  "$env_dir/bin/pip" install -q --upgrade pip >&2
  # Home Assistant 2026.2 declares Python >= 3.13.2; it runs on the machines' 3.13.0.
  _demo_pip "$env_dir" "homeassistant==$version" -r "$ROOT/requirements.txt"
  local constraints reqs
  constraints="$("$env_dir/bin/python" -c 'import homeassistant, pathlib; print(pathlib.Path(homeassistant.__file__).parent / "package_constraints.txt")')"
  reqs="$env_dir/demo-requirements.txt"
  "$env_dir/bin/python" "$ROOT/scripts/devtools/ha_requirements.py" "$ROOT/config/configuration.yaml" > "$reqs"
  _demo_pip "$env_dir" -r "$reqs" -c "$constraints"
  echo "$pins" > "$env_dir/.pins"
  echo "$env_dir"
}

_demo_pip() {
  local env_dir="$1"; shift
  # (pip config on some machines names local indexes that do not exist: keep their warnings out.)
  "$env_dir/bin/pip" install -q --ignore-requires-python "$@" 2>&1 | { grep -v "^WARNING: Location" >&2 || true; }
  [[ "${PIPESTATUS[0]}" == 0 ]] || { echo "error: pip install $* failed" >&2; exit 1; }
}

# free_port -> a TCP port nobody listens on at 127.0.0.1 right now.
free_port() {
  "$(find_python)" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# port_in_use PORT -> success when something listens on 127.0.0.1:PORT.
port_in_use() {
  "$(find_python)" -c 'import socket, sys; s = socket.socket(); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$1"
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
# playlists, 800 liked songs, one Last.fm user).
start_emulator() {
  local python="$1" port="$2" log="$3"
  (cd "$ROOT" && exec "$python" -m tests.emulator --host 127.0.0.1 --port "$port" --seed 7 \
    --playlists 120 --liked 800 --catalogue 1500 --lastfm-users 1) >"$log" 2>&1 &
  echo $!
}

# start_hass PYTHON CONFIG_DIR PORT EMULATOR_PORT LOGFILE -> prints the pid of Home Assistant,
# started through the launcher (which skips only the Python patch-level check of 2026.x).
start_hass() {
  local python="$1" config="$2" port="$3" emu_port="$4" log="$5"
  (
    cd "$ROOT" || exit 1
    export SPOTIFREAK_HA_PORT="$port"
    export SPOTIFREAK_SPOTIFY_API_URL="http://127.0.0.1:$emu_port/v1/"
    export SPOTIFREAK_SPOTIFY_ACCOUNTS_URL="http://127.0.0.1:$emu_port"
    export SPOTIFREAK_LASTFM_API_URL="http://127.0.0.1:$emu_port/2.0/"
    exec "$python" "$ROOT/scripts/devtools/hass_launcher.py" -c "$config"
  ) >"$log" 2>&1 &
  echo $!
}

# wait_http URL SECONDS PID -> success once URL answers at all (any HTTP status); fails when PID
# exits first or the time runs out.
wait_http() {
  local url="$1" seconds="$2" pid="$3" waited=0
  while ! "$(find_python)" - "$url" <<'PY' 2>/dev/null
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
