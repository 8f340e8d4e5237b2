#!/usr/bin/env bash
# `make install`: create .venv and install exactly what requirements.lock names (every transitive
# dependency, hashes checked), then this package itself (editable, no further dependencies).
#
# uv installs the lock in a few seconds where pip takes most of a minute, so it is used when it
# can be had: from PATH, or bootstrapped into .venv from requirements-bootstrap.lock (pinned and
# hashed too). Where neither works (no wheel for this platform, say), pip installs the same lock.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
LOCK=requirements.lock

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "make install: Python 3.11 or newer is needed ($PYTHON is $("$PYTHON" --version 2>&1 || echo missing)); run: make install PYTHON=python3.11" >&2
    exit 1
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"

uv=""
again=()
if command -v uv >/dev/null 2>&1; then
    uv=$(command -v uv)
elif [ -x "$VENV/bin/uv" ]; then
    uv="$VENV/bin/uv"
elif "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
        -r requirements-bootstrap.lock; then
    uv="$VENV/bin/uv"
    # Once more through uv, so that its cache holds every wheel of the lock, uv's own included:
    # the next clone on this machine can then install offline (UV_OFFLINE=1).
    again=(--reinstall-package uv)
else
    echo "make install: uv could not be installed; installing with pip instead (slower)" >&2
fi

if [ -n "$uv" ]; then
    # sync, not install: a package dropped from the lock leaves the virtualenv too.
    "$uv" pip sync --quiet --python "$VENV/bin/python" --require-hashes "${again[@]}" "$LOCK"
    "$uv" pip install --quiet --python "$VENV/bin/python" --no-deps -e .
else
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -e .
fi
