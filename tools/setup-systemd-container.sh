#!/bin/bash
# A Debian 12 root file system with systemd as PID 1 for the two-node and
# devstack tests (systemd-nspawn), cached under /var/cache/novalite:
#   bookworm/     debootstrap --variant=minbase (+systemd, python3), ~67 s once
#   bookworm-nl/  the same plus /opt/novalite, a venv with requirements.txt
#                 installed (rebuilt when requirements.txt changes)
# It also installs shellcheck and sudo (the devstack plugin's test).  `make test` runs it
# (system-deps); the tests run it again, which costs nothing once cached.
# Usage: tools/setup-systemd-container.sh [CACHE_DIR]
set -euo pipefail
CACHE=${1:-/var/cache/novalite}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
need=()
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v systemd-nspawn >/dev/null || need+=(systemd-container)
command -v shellcheck >/dev/null || need+=(shellcheck)      # the devstack plugin's test
command -v sudo >/dev/null || need+=(sudo)      # devstack's functions call sudo (same test)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
mkdir -p "$CACHE"
base=$CACHE/bookworm
if [ ! -e "$base/.stamp" ]; then
    rm -rf "$base.tmp"
    debootstrap --variant=minbase \
        --include=systemd,systemd-sysv,dbus,python3,python3-venv,iproute2 \
        bookworm "$base.tmp"
    touch "$base.tmp/.stamp"
    rm -rf "$base"
    mv "$base.tmp" "$base"
fi
prepared=$CACHE/bookworm-nl
key=$(sha256sum "$ROOT/requirements.txt" | cut -c1-16)
if [ "$(cat "$prepared/.stamp" 2>/dev/null)" != "$key" ]; then
    rm -rf "$prepared.tmp" "$CACHE/wheels"
    # wheels built by the host's pip (its index and certificates), installed
    # in the container without any index
    [ -x "$CACHE/pip-venv/bin/pip" ] || "${PYTHON:-python3}" -m venv "$CACHE/pip-venv"
    "$CACHE/pip-venv/bin/pip" wheel -q -w "$CACHE/wheels" -r "$ROOT/requirements.txt"
    cp -a "$base" "$prepared.tmp"
    cp "$ROOT/requirements.txt" "$prepared.tmp/root/requirements.txt"
    systemd-nspawn -q --register=no --keep-unit -D "$prepared.tmp" \
        --bind-ro="$CACHE/wheels:/wheels" --pipe \
        /bin/sh -c 'python3 -m venv /opt/novalite &&
                    /opt/novalite/bin/pip install -q --no-index --find-links /wheels \
                        -r /root/requirements.txt'
    echo "$key" > "$prepared.tmp/.stamp"
    rm -rf "$prepared"
    mv "$prepared.tmp" "$prepared"
fi
echo "$prepared"
