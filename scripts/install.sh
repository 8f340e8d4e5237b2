#!/usr/bin/env bash
# `make install`: create .venv and install exactly what requirements.lock names (every transitive
# dependency, hashes checked), then this package itself (editable, no further dependencies).
#
# uv installs the lock in about a second where pip takes most of a minute, so it is used when it
# can be had: from PATH, or fetched by the system's pip from requirements-bootstrap.lock (pinned and
# hashed too) into .venv/bootstrap. The virtualenv is made without pip then (ensurepip alone takes
# seconds); uv puts itself into it from the lock, so `.venv/bin/uv pip …` is there afterwards.
# Where uv cannot be had (no pip, no wheel for this platform), pip installs the same lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
LOCK=requirements.lock
quiet=(--quiet --disable-pip-version-check)

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "make install: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1 || echo missing)); run: make install PYTHON=python3.11" >&2
    exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv --without-pip "$VENV"

uv=""
again=()
if command -v uv >/dev/null 2>&1; then
    uv=$(command -v uv)
elif [ -x "$VENV/bin/uv" ]; then
    uv="$VENV/bin/uv"
elif "$PYTHON" -m pip install "${quiet[@]}" --require-hashes --target "$VENV/bootstrap" \
        -r requirements-bootstrap.lock 2>/dev/null && [ -x "$VENV/bootstrap/bin/uv" ]; then
    uv="$VENV/bootstrap/bin/uv"
    # uv also goes into the virtualenv itself from the lock, through its own cache: the next
    # clone on this machine can then install offline (UV_OFFLINE=1), uv's own wheel included.
    again=(--reinstall-package uv)
else
    echo "make install: uv could not be had; installing with pip instead (slower)" >&2
fi

if [ -n "$uv" ]; then
    # sync, not install: a package dropped from the lock leaves the virtualenv too.
    "$uv" pip sync --quiet --python "$VENV/bin/python" --require-hashes "${again[@]}" "$LOCK"
    "$uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e .
    rm -rf "$VENV/bootstrap"
else
    "$VENV/bin/python" -m pip --version >/dev/null 2>&1 \
        || "$VENV/bin/python" -m ensurepip --upgrade --default-pip >/dev/null
    "$VENV/bin/python" -m pip install "${quiet[@]}" --require-hashes -r "$LOCK"
    "$VENV/bin/python" -m pip install "${quiet[@]}" --no-deps -e .
fi
