#!/bin/bash
# Install a real OpenStack service (from PyPI) into its own virtualenv, for the
# functional tests that run against it: keystone (tests/keystone.py, keystone
# mode), glance (tests/glance.py, `[glance] api_servers`) and neutron
# (tests/neutron.py, ML2/OVN: the real-Neutron tests).
#
# The service's dependencies stay out of novalite's venv: it gets its own venv
# (default .venv-<service> next to this checkout), with gunicorn to serve its
# WSGI application.  Idempotent: a stamp file records the installed
# requirement line, so a second run costs nothing.
#
#   tools/setup-service-venv.sh keystone|glance|neutron [VENV_DIR]
set -euo pipefail

SERVICE=${1:?usage: $0 keystone|glance|neutron [VENV_DIR]}
HERE=$(cd "$(dirname "$0")/.." && pwd)
VENV=${2:-$HERE/.venv-$SERVICE}
PYTHON=${PYTHON:-python3}
REQS="$SERVICE gunicorn"
MANAGE="$SERVICE-manage"
if [ "$SERVICE" = neutron ]; then
    # Neutron's OVN driver counts its API workers through uwsgi (under gunicorn
    # its hash ring fails: "The Neutron API workers count is zero"); the
    # database is MariaDB (PyMySQL).  Pinned: the version the tests were proven on.
    REQS="neutron==29.0.0 uwsgi pymysql gunicorn"
    MANAGE="neutron-db-manage"
fi
STAMP="$VENV/.$SERVICE-stamp"

log() { echo "setup-service-venv: $*"; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$REQS" ] \
        && [ -x "$VENV/bin/$MANAGE" ] && [ -x "$VENV/bin/gunicorn" ]; then
    touch "$STAMP"    # up to date: tell make so
    exit 0
fi

log "creating $VENV ($SERVICE from PyPI; takes a minute or two the first time)"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q $REQS
"$VENV/bin/python" -c "import $SERVICE, gunicorn"   # fails loudly when broken
echo "$REQS" > "$STAMP"
log "installed: $("$VENV/bin/pip" show "$SERVICE" | sed -n "s/^Version: /$SERVICE /p")"
