#!/bin/bash
# Prepare this host for the novalite libvirt driver (idempotent, run as root).
#
#  * installs libvirt + QEMU (+ dev headers for libvirt-python) when missing,
#    and what the compute's host networking runs: dnsmasq (dnsmasq-base),
#    dhcp_release (dnsmasq-utils) and iptables;
#  * fixes /dev/kvm ownership (root:kvm 0660) -- without it every defineXML
#    re-probes QEMU capabilities and takes ~40 s (see environment.md);
#  * starts virtlogd and libvirtd as daemons (there is no systemd here);
#  * waits, with a deadline, until `virsh -c qemu:///system version` answers.
#
# Exits non-zero on any failure.
set -euo pipefail

DEADLINE_SECONDS=${SETUP_LIBVIRT_TIMEOUT:-60}
PACKAGES="libvirt-daemon-system qemu-system-x86 libvirt-dev pkg-config qemu-utils dnsmasq-base dnsmasq-utils iptables"

log() { echo "setup-libvirt: $*"; }
die() { echo "setup-libvirt: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    log "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y --no-install-recommends $missing \
        || { apt-get update && apt-get install -y --no-install-recommends $missing; } \
        || die "apt-get install failed"
else
    log "packages already installed: $PACKAGES"
fi

for bin in /usr/sbin/libvirtd /usr/sbin/virtlogd /usr/bin/virsh /usr/bin/qemu-img /usr/bin/qemu-system-x86_64 \
           /usr/sbin/dnsmasq /usr/bin/dhcp_release /usr/sbin/iptables; do
    [ -x "$bin" ] || die "$bin missing after install"
done

if [ -e /dev/kvm ]; then
    if getent group kvm >/dev/null; then
        if [ "$(stat -c '%G %a' /dev/kvm)" != "kvm 660" ]; then
            chgrp kvm /dev/kvm && chmod 0660 /dev/kvm || die "cannot fix /dev/kvm"
            log "/dev/kvm set to root:kvm 0660"
        else
            log "/dev/kvm already root:kvm 0660"
        fi
    else
        log "WARNING: no 'kvm' group; /dev/kvm left as is"
    fi
else
    log "/dev/kvm absent (TCG only)"
fi

if pgrep -x virtlogd >/dev/null; then
    log "virtlogd already running (pid $(pgrep -x virtlogd | tr '\n' ' '))"
else
    /usr/sbin/virtlogd -d || die "virtlogd failed to start"
    log "started virtlogd"
fi

if pgrep -x libvirtd >/dev/null; then
    log "libvirtd already running (pid $(pgrep -x libvirtd | tr '\n' ' '))"
else
    /usr/sbin/libvirtd -d || die "libvirtd failed to start"
    log "started libvirtd"
fi

end=$(( $(date +%s) + DEADLINE_SECONDS ))
while :; do
    if out=$(virsh -c qemu:///system version 2>&1); then
        log "libvirt answers:"
        echo "$out" | sed 's/^/    /'
        break
    fi
    if [ "$(date +%s)" -ge "$end" ]; then
        echo "$out" >&2
        die "virsh -c qemu:///system did not answer within ${DEADLINE_SECONDS}s"
    fi
    # poll the daemon socket (bounded, not a blind sleep: re-checked each round)
    sleep 0.2
done
log "done"
