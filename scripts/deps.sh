#!/usr/bin/env bash
# Installs the Debian packages mcp-edge needs to build, test and run, only those missing.
# apt-get update runs only when something is missing; sudo only when not root.
set -euo pipefail

pkgs=(libssl-dev libnghttp2-dev zlib1g-dev libyaml-dev pkg-config nghttp2-client curl openssl gcc python3)
missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# The release link takes libstdc++ statically (CModules/StaticCxx); g++ brings libstdc++.a.
if ! compgen -G "/usr/lib/gcc/*/*/libstdc++.a" >/dev/null; then
  missing+=(g++)
fi
# python3 -m venv needs ensurepip, which Debian ships apart in python3-venv.
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "deps: apt-get not found; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # A python3 that still cannot make a venv (e.g. a versioned python3.X-venv is needed).
  if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    v=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "python$v-venv" || true
  fi
fi

if ! command -v swift >/dev/null; then
  echo "deps: swift is not on PATH (Swift 6.1+ toolchain required; it is not a Debian package)" >&2
  exit 1
fi
