#!/bin/bash
# Debian packages for the real-Neutron (ML2/OVN) tests (idempotent, run as root):
# Open vSwitch 3.1 and OVN 23.03, which run here on the userspace datapath (no
# openvswitch kernel module), ethtool (checksum offload off on test veths) and
# a static busybox (its udhcpc is the DHCP client the tests run in a netns).
# Nothing is started: each test starts its own OVS/OVN in a private directory
# (tests/neutron.py).
set -euo pipefail
PACKAGES="openvswitch-switch ovn-central ovn-host ethtool busybox-static"
log() { echo "setup-ovn: $*"; }
[ "$(id -u)" = 0 ] || { echo "setup-ovn: must run as root" >&2; exit 1; }
missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
        || missing="$missing $p"
done
if [ -z "$missing" ]; then
    log "packages already installed: $PACKAGES"
    exit 0
fi
log "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends $missing \
    || { apt-get update && apt-get install -y --no-install-recommends $missing; }
for bin in /usr/share/openvswitch/scripts/ovs-ctl /usr/share/ovn/scripts/ovn-ctl \
           /usr/bin/ovn-nbctl /sbin/ethtool /bin/busybox; do
    [ -x "$bin" ] || { echo "setup-ovn: $bin missing after install" >&2; exit 1; }
done
log "done"
