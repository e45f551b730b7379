# shellcheck shell=bash
# Shared by the scripts: find the Pythons, create or reuse the environments, run commands in them.
#
# Environments (see README, "Development"):
#   newest  Python 3.14, pytest-homeassistant-custom-component (Home Assistant 2026.10.4): tests, lint
#   min     Python 3.13.0, pytest-homeassistant-custom-component (Home Assistant 2025.4.4): tests
# and the demo environments of scripts/_demo.sh (Home Assistant 2026.11.0 on 3.14, 2025.4.4 on 3.13).
#
# Python 3.14 is SPOTIFREAK_PYTHON314 or a `python3.14` (>= 3.14.2) on PATH. Without one, on
# Debian as root, Debian unstable's python3.14 runs in a Debian root built once with debootstrap
# under ~/.cache/spotifreak/debian-sid (about a minute and 800 MB); commands of the 3.14
# environments then run there with `chroot`, the checkout, the environments and /tmp bind-mounted.
# The mounts live in a private mount namespace of the script (`unshare --mount`), so they vanish
# with it whatever way it ends; where unshare is refused they are unmounted by an EXIT trap.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_ROOT="${SPOTIFREAK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spotifreak}"
VENV_ROOT="${SPOTIFREAK_VENV_ROOT:-$CACHE_ROOT/venv}"
DEBIAN_ROOT="$CACHE_ROOT/debian-sid"
PY314_MIN="3.14.2"
# What the Debian root holds: Python 3.14, and a compiler for the few requirements of Home
# Assistant's own integrations (voice activity detection, noise suppression) that publish no
# Python 3.14 wheels.
DEBIAN_PACKAGES="python3.14,python3.14-venv,python3.14-dev,g++,ca-certificates"

find_python() {
  # Python 3.13 for the minimum environments. A bare python3.13 fails through pyenv's shim on the
  # build machines, so look for it explicitly.
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

# A host Python for small helpers (ports, waiting for HTTP): any Python 3.
host_python() {
  command -v python3 || find_python
}

_py314_ok() {
  "$1" -c "import sys; sys.exit(0 if sys.version_info[:3] >= tuple(map(int, '$PY314_MIN'.split('.'))) and sys.version_info[:2] == (3, 14) else 1)" 2>/dev/null
}

# native_python314 -> the path of a usable Python 3.14 on this machine, or nothing.
native_python314() {
  if [[ -n "${SPOTIFREAK_PYTHON314:-}" ]]; then
    if _py314_ok "$SPOTIFREAK_PYTHON314"; then echo "$SPOTIFREAK_PYTHON314"; return; fi
    echo "error: SPOTIFREAK_PYTHON314=$SPOTIFREAK_PYTHON314 is not a Python >= $PY314_MIN" >&2
    exit 1
  fi
  local candidate
  candidate="$(command -v python3.14 2>/dev/null || true)"
  if [[ -n "$candidate" ]] && _py314_ok "$candidate"; then echo "$candidate"; fi
}

# The Debian mirror the host's apt sources use (deb822 .sources first, then sources.list).
_debian_mirror() {
  local uri
  uri="$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  if [[ -z "$uri" ]]; then
    uri="$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# The root exists and holds today's package list (a changed list builds it again).
_debian_root_ready() {
  [[ -f "$DEBIAN_ROOT/.spotifreak-ready" && "$(cat "$DEBIAN_ROOT/.spotifreak-ready")" == "$DEBIAN_PACKAGES" ]]
}

# ensure_debian_root: build the Debian unstable root with python3.14 once (under a lock).
ensure_debian_root() {
  _debian_root_ready && return 0
  if [[ "$(id -u)" != 0 ]] || [[ ! -f /etc/debian_version ]]; then
    cat >&2 <<EOF
error: Python $PY314_MIN or newer (3.14) is needed for the newest environments.
  Install one and put python3.14 on PATH, or set SPOTIFREAK_PYTHON314 to its path;
  or run as root on Debian, where the scripts build a Debian unstable root with python3.14
  under $DEBIAN_ROOT (once: about a minute and 800 MB).
EOF
    exit 1
  fi
  mkdir -p "$CACHE_ROOT"
  (
    flock 9
    _debian_root_ready && exit 0
    if ! command -v debootstrap >/dev/null 2>&1; then
      echo ">> installing debootstrap" >&2
      apt-get install -y -q debootstrap >&2 || { apt-get update -q >&2 && apt-get install -y -q debootstrap >&2; }
    fi
    local mirror building="$DEBIAN_ROOT.building"
    mirror="$(_debian_mirror)"
    echo ">> building a Debian unstable root with python3.14 in $DEBIAN_ROOT from $mirror (once; a minute or two, 800 MB)" >&2
    rm -rf --one-file-system "$building"
    # debootstrap mounts /proc and friends inside the target: keep those mounts private too.
    if ! unshare --mount --propagation private -- debootstrap --variant=minbase \
        --include="$DEBIAN_PACKAGES" sid "$building" "$mirror" >&2 \
      && ! debootstrap --variant=minbase \
        --include="$DEBIAN_PACKAGES" sid "$building" "$mirror" >&2; then
      echo "error: debootstrap failed (see above)" >&2
      rm -rf --one-file-system "$building"
      exit 1
    fi
    if grep -qsF " $DEBIAN_ROOT/" /proc/self/mounts; then
      echo "error: something is mounted inside $DEBIAN_ROOT (another script running?); try again" >&2
      rm -rf --one-file-system "$building"
      exit 1
    fi
    # Never follow a bind mount of the checkout or /tmp into the old root.
    rm -rf --one-file-system "$DEBIAN_ROOT"
    mv "$building" "$DEBIAN_ROOT"
    echo "$DEBIAN_PACKAGES" > "$DEBIAN_ROOT/.spotifreak-ready"
  ) 9>"$CACHE_ROOT/debian-sid.lock"
}

# Mounts made by this script in the host's namespace (only when unshare was refused).
_MOUNTED=()

_unmount_all() {
  local index
  for ((index = ${#_MOUNTED[@]} - 1; index >= 0; index--)); do
    umount -R "${_MOUNTED[index]}" 2>/dev/null || umount -R -l "${_MOUNTED[index]}" 2>/dev/null || true
  done
  _MOUNTED=()
}

_bind() {
  local source="$1" target="$DEBIAN_ROOT$1" flags="${2:---bind}"
  mkdir -p "$target"
  if grep -qsF " $target " /proc/self/mounts; then return 0; fi
  mount "$flags" "$source" "$target"
  # rbind mounts must not pass an unmount back to the host's /dev or /sys.
  [[ "$flags" == --rbind ]] && mount --make-rslave "$target"
  if [[ "${SPOTIFREAK_MOUNT_NS:-}" != "$$" ]]; then _MOUNTED+=("$target"); fi
}

# enter_debian_root: make the checkout, the environments and /tmp visible inside the Debian root.
enter_debian_root() {
  [[ -n "${_DEBIAN_ROOT_ENTERED:-}" ]] && return 0
  ensure_debian_root
  if [[ "${SPOTIFREAK_MOUNT_NS:-}" != "$$" ]]; then
    # Unmount first: the script's own exit trap may end with `exit`. In a subshell (`$(...)`)
    # `trap -p` shows the parent's trap, which is not the subshell's to run.
    local previous=""
    ((BASH_SUBSHELL)) || previous="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
    trap "_unmount_all${previous:+; $previous}" EXIT
  fi
  cp -f /etc/resolv.conf "$DEBIAN_ROOT/etc/resolv.conf" 2>/dev/null || true
  cp -f /etc/hosts "$DEBIAN_ROOT/etc/hosts" 2>/dev/null || true
  # pip trusts what the host trusts, and reads the host's pip configuration.
  cp -f /etc/ssl/certs/ca-certificates.crt "$DEBIAN_ROOT/etc/ssl/certs/ca-certificates.crt"
  [[ -f /etc/pip.conf ]] && cp -f /etc/pip.conf "$DEBIAN_ROOT/etc/pip.conf"
  if [[ -d /etc/xdg/pip ]]; then mkdir -p "$DEBIAN_ROOT/etc/xdg" && cp -rf /etc/xdg/pip "$DEBIAN_ROOT/etc/xdg/"; fi
  _bind /proc
  _bind /sys --rbind
  _bind /dev --rbind
  _bind /tmp
  mkdir -p "$VENV_ROOT"
  _bind "$VENV_ROOT"
  # The checkout's parent: ../shared (documentation, reference OpenAPI) sits beside it.
  _bind "$(dirname "$ROOT")"
  _DEBIAN_ROOT_ENTERED=1
}

# use_private_mounts "$0" "$@": call first in a script that runs 3.14 commands. Without a native
# Python 3.14, re-run the script in a private mount namespace (its mounts die with it).
use_private_mounts() {
  [[ -n "$(native_python314)" ]] && return 0
  [[ "${SPOTIFREAK_MOUNT_NS:-}" == "$$" ]] && return 0
  if [[ "$(id -u)" == 0 ]] && unshare --mount --propagation private true 2>/dev/null; then
    # The re-run script's pid is the one unshare gets: exec keeps it.
    exec unshare --mount --propagation private -- \
      env SPOTIFREAK_MOUNT_NS_PENDING=1 bash "$@"
  fi
}
if [[ -n "${SPOTIFREAK_MOUNT_NS_PENDING:-}" ]]; then
  unset SPOTIFREAK_MOUNT_NS_PENDING
  export SPOTIFREAK_MOUNT_NS="$$"
fi

# py314_prefix [DIR]: set PY314_PREFIX to what runs a command with Python 3.14 in DIR (default:
# the current directory): nothing with a native Python 3.14, else chroot into the Debian root.
PY314_PREFIX=()
py314_prefix() {
  if [[ -n "$(native_python314)" ]]; then
    PY314_PREFIX=()
    return
  fi
  enter_debian_root
  # chroot starts in /: env -C goes back. The host's PATH names pyenv shims, and its
  # PIP_FIND_LINKS a folder the root does not have.
  PY314_PREFIX=(chroot "$DEBIAN_ROOT" /usr/bin/env -C "${1:-$PWD}" -u PIP_FIND_LINKS
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "HOME=$HOME")
}

# py314_prefix_here: when PY314_PREFIX is in use, point it at the current directory.
py314_prefix_here() {
  ((${#PY314_PREFIX[@]} == 0)) || py314_prefix
}

# python314_path -> the Python 3.14 to create environments with (inside the root when chrooted).
python314_path() {
  local native
  native="$(native_python314)"
  if [[ -n "$native" ]]; then echo "$native"; else echo /usr/bin/python3.14; fi
}

# in_env FLAVOUR CMD...: run CMD with the right Python: 3.14 flavours through PY314_PREFIX.
in_env() {
  local flavour="$1"; shift
  case "$flavour" in
    newest | demo-newest) py314_prefix; "${PY314_PREFIX[@]}" "$@" ;;
    *) "$@" ;;
  esac
}

# _env_dir FLAVOUR -> where that environment lives.
_env_dir() {
  case "$1" in
    newest) echo "$VENV_ROOT/test-py314" ;;
    min) echo "$VENV_ROOT/test-py313-min" ;;
    demo-newest) echo "$VENV_ROOT/demo-py314" ;;
    demo-min) echo "$VENV_ROOT/demo-py313-min" ;;
    *) echo "unknown environment $1" >&2; exit 2 ;;
  esac
}

# _create_venv FLAVOUR DIR: an empty virtual environment with a current pip.
_create_venv() {
  local flavour="$1" env_dir="$2" python
  case "$flavour" in
    newest | demo-newest) python="$(python314_path)" ;;
    *) python="$(find_python)" ;;
  esac
  rm -rf "$env_dir"
  mkdir -p "$VENV_ROOT"
  in_env "$flavour" "$python" -m venv "$env_dir" >&2
  in_env "$flavour" "$env_dir/bin/pip" install -q --upgrade pip 2>&1 | _pip_noise
}

# pip configuration on some machines names local indexes that do not exist: keep their warnings out.
_pip_noise() {
  grep -v "^WARNING: Location" >&2 || true
}

# env_pip FLAVOUR DIR ARGS...: pip install in that environment; fails the script when pip fails.
env_pip() {
  local flavour="$1" env_dir="$2"; shift 2
  in_env "$flavour" "$env_dir/bin/pip" install -q "$@" 2>&1 | _pip_noise
  [[ "${PIPESTATUS[0]}" == 0 ]] || { echo "error: pip install $* failed" >&2; exit 1; }
}

# with_env_lock FLAVOUR CMD...: one creator per environment at a time (scripts may run in parallel).
with_env_lock() {
  local flavour="$1"; shift
  mkdir -p "$VENV_ROOT"
  exec {lock_fd}>"$VENV_ROOT/.$flavour.lock"
  flock "$lock_fd"
  "$@"
  flock -u "$lock_fd"
  exec {lock_fd}>&-
}

# _python_identity FLAVOUR -> which Python builds that flavour (a change rebuilds its environments).
_python_identity() {
  case "$1" in
    newest | demo-newest) echo "py314 $(native_python314 || true) $(python314_path)" ;;
    *) echo "py313 $(find_python)" ;;
  esac
}

# ensure_env newest|min -> prints the test environment's directory; (re)creates it when its pins
# changed. Callers run its commands with `in_env FLAVOUR ...`.
ensure_env() {
  local flavour="$1" reqs
  case "$flavour" in
    newest) reqs="$ROOT/requirements_test.txt" ;;
    min) reqs="$ROOT/requirements_test_min.txt" ;;
    *) echo "unknown environment $flavour" >&2; exit 2 ;;
  esac
  local env_dir pins
  env_dir="$(_env_dir "$flavour")"
  pins="$( { _python_identity "$flavour"; cat "$reqs" "$ROOT"/requirements.txt "$ROOT"/requirements_test_common.txt "$ROOT"/requirements_lint.txt; } | sha256sum | cut -c1-16)"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then
    echo "$env_dir"; return
  fi
  with_env_lock "$flavour" _build_test_env "$flavour" "$env_dir" "$reqs" "$pins"
  echo "$env_dir"
}

_build_test_env() {
  local flavour="$1" env_dir="$2" reqs="$3" pins="$4"
  if [[ -f "$env_dir/.pins" && "$(cat "$env_dir/.pins")" == "$pins" ]]; then return 0; fi
  echo ">> creating the $flavour test environment in $env_dir (a few minutes)" >&2
  _create_venv "$flavour" "$env_dir"
  env_pip "$flavour" "$env_dir" -r "$reqs"
  echo "$pins" > "$env_dir/.pins"
}

# env_version FLAVOUR DIR -> "Python X.Y.Z, Home Assistant V" of that environment.
env_version() {
  in_env "$1" "$2/bin/python" -c 'import sys, homeassistant.const as c; print(f"Python {sys.version.split()[0]}, Home Assistant {c.__version__}")'
}
