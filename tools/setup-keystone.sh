#!/bin/bash
# Install a real Keystone (from PyPI) into its own virtualenv, for the
# keystone-mode functional tests (tests/functional/test_keystone.py).
#
# Keystone's dependencies stay out of novalite's venv: it gets its own venv
# (default .venv-keystone next to this checkout).  Idempotent: a stamp file
# records the installed requirement line, so a second run costs nothing.
#
#   tools/setup-keystone.sh [VENV_DIR]
#
# The test itself bootstraps a fresh SQLite-backed Keystone in a tmp dir and
# serves keystone.wsgi.api:application with gunicorn (environment.md, section 5).
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
VENV=${1:-${KEYSTONE_VENV:-$HERE/.venv-keystone}}
PYTHON=${PYTHON:-python3}
REQS="keystone gunicorn"
STAMP="$VENV/.keystone-stamp"

log() { echo "setup-keystone: $*"; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQS" ] \
        && [ -x "$VENV/bin/keystone-manage" ] && [ -x "$VENV/bin/gunicorn" ]; then
    touch "$STAMP"    # up to date: tell make so
    exit 0
fi

log "creating $VENV (keystone from PyPI; takes a few minutes the first time)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q $REQS
"$VENV/bin/python" -c 'import keystone, gunicorn'   # fails loudly when broken
echo "$REQS" > "$STAMP"
log "installed: $("$VENV/bin/pip" show keystone | sed -n 's/^Version: /keystone /p')"
