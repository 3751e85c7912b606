#!/bin/bash
# Build the tiny bootable test guest used by novalite's libvirt tests.
#
#   tools/build-test-guest.sh <outdir>
#
# Produces <outdir>/vmlinuz (the Debian 6.1 amd64 kernel: 8250 serial console
# and gzip initrd support are built in) and <outdir>/initrd.gz (a busybox
# initramfs whose /init mounts proc, sys and devtmpfs, prints the marker line
# NOVALITE-GUEST-BOOTED to /dev/ttyS0, then loads the virtio-net modules of
# that kernel (Debian builds them as modules), brings up eth0 and runs
# busybox udhcpc in the background; each lease prints
#   NOVALITE-GUEST-IP <addr>/<prefix> router=<gw> dns=<servers> mtu=<mtu>
# and each renewal NOVALITE-GUEST-RENEW <addr> on the serial console.
# A guest without a NIC just prints the marker and sleeps.
# Needs 128 MiB of guest RAM (the 6.1 kernel does not boot in 64 MiB).
#
# Idempotent: does nothing when both files exist and were built by this
# version of the script (<outdir>/VERSION). No internet needed beyond the
# configured Debian mirror (apt-get download); .debs are reused from the apt
# cache.
set -euo pipefail

MARKER=NOVALITE-GUEST-BOOTED
VERSION=3-virtio-dhcp
# virtio_ring must come before virtio (Unknown symbol virtio_break_device)
MODULES="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover net_failover virtio_net"
log() { echo "build-test-guest: $*"; }
die() { echo "build-test-guest: ERROR: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 <outdir>"
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ] \
   && [ "$(cat "$OUT/VERSION" 2>/dev/null)" = "$VERSION" ]; then
    log "already built: $OUT/vmlinuz $OUT/initrd.gz"
    exit 0
fi

# The kernel package the linux-image-amd64 metapackage points at (the newest
# ABI in the apt index); fall back to the highest linux-image-6.1.*-amd64.
KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null \
       | awk '/Depends: linux-image-6\.1\.[0-9.-]*-amd64$/ {print $2; exit}')
if [ -z "$KPKG" ]; then
    KPKG=$(apt-cache search --names-only '^linux-image-6\.1\.[0-9.-]*-amd64$' \
           | awk '{print $1}' | sort -V | tail -1)
fi
[ -n "$KPKG" ] || die "no linux-image-6.1.*-amd64 package in the apt index (run apt-get update)"
log "kernel package: $KPKG"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/novalite-guest.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"   # apt-get download may drop privileges to _apt
cd "$WORK"

fetch_deb() {   # reuse a .deb from the apt cache when present
    local pkg=$1 cached
    cached=$(ls /var/cache/apt/archives/"${pkg}"_*.deb 2>/dev/null | sort -V | tail -1 || true)
    if [ -n "$cached" ]; then
        cp "$cached" .
        log "using cached $(basename "$cached")"
    else
        apt-get download "$pkg" >/dev/null 2>&1 || apt-get download "$pkg" \
            || die "apt-get download $pkg failed"
        log "downloaded $(ls "${pkg}"_*.deb)"
    fi
}
fetch_deb "$KPKG"
fetch_deb busybox-static

dpkg-deb -x "$(ls "${KPKG}"_*.deb | head -1)" kx
dpkg-deb -x "$(ls busybox-static_*.deb | head -1)" bx
VMLINUZ=$(ls kx/boot/vmlinuz-* | head -1)
[ -f "$VMLINUZ" ] || die "no vmlinuz in $KPKG"
BUSYBOX=bx/bin/busybox
[ -x "$BUSYBOX" ] || die "no busybox in busybox-static"

mkdir -p initramfs/bin initramfs/dev initramfs/proc initramfs/sys initramfs/tmp \
         initramfs/etc initramfs/lib/modules
cp "$BUSYBOX" initramfs/bin/busybox
ln -s busybox initramfs/bin/sh
mknod -m 600 initramfs/dev/console c 5 1 2>/dev/null || true
for m in $MODULES; do
    ko=$(find kx/lib/modules -name "$m.ko*" | head -1)
    [ -n "$ko" ] || die "module $m not in $KPKG"
    case "$ko" in
        *.ko) cp "$ko" initramfs/lib/modules/ ;;
        *.ko.xz) xz -dc "$ko" > "initramfs/lib/modules/$m.ko" ;;
        *) die "unsupported module file $ko" ;;
    esac
done
cat > initramfs/etc/udhcpc.script <<'SCRIPT'
#!/bin/busybox sh
# busybox udhcpc hook: $1 is deconfig|bound|renew|leasefail|nak
bb=/bin/busybox
case "$1" in
    deconfig)
        $bb ip addr flush dev "$interface"
        $bb ip link set "$interface" up ;;
    bound|renew)
        [ "$1" = bound ] && $bb ip addr flush dev "$interface"
        $bb ip addr add "$ip/$mask" dev "$interface" 2>/dev/null
        [ -n "$mtu" ] && $bb ip link set "$interface" mtu "$mtu"
        for r in $router; do $bb ip route replace default via "$r" dev "$interface"; break; done
        : > /etc/resolv.conf
        for d in $dns; do echo "nameserver $d" >> /etc/resolv.conf; done
        if [ "$1" = bound ]; then
            echo "NOVALITE-GUEST-IP $ip/$mask router=${router:-none} dns=${dns:-none} mtu=${mtu:-none} lease=${lease:-?} uptime=$($bb cut -d" " -f1 /proc/uptime)" > /dev/ttyS0
        else
            echo "NOVALITE-GUEST-RENEW $ip" > /dev/ttyS0
        fi ;;
esac
exit 0
SCRIPT
chmod 755 initramfs/etc/udhcpc.script
cat > initramfs/init <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "$MARKER uptime=\$(/bin/busybox cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
for m in $MODULES; do /bin/busybox insmod /lib/modules/\$m.ko 2>/dev/null; done
echo "NOVALITE-GUEST-NET modules loaded uptime=\$(/bin/busybox cut -d" " -f1 /proc/uptime)" > /dev/ttyS0
/bin/busybox ip link set lo up
if /bin/busybox ip link set eth0 up 2>/dev/null; then
    # -f: stay in the foreground of this background job and keep renewing
    /bin/busybox udhcpc -f -i eth0 -s /etc/udhcpc.script -O mtu -t 10 -T 1 -A 2 >/dev/null 2>&1 &
fi
while :; do /bin/busybox sleep 3600; done
INIT
chmod 755 initramfs/init

(cd initramfs && find . | "$WORK/$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -9 > initrd.gz
[ -s initrd.gz ] || die "initramfs is empty"

install -m 0644 "$VMLINUZ" "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
install -m 0644 initrd.gz "$OUT/initrd.gz.tmp" && mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
echo "$VERSION" > "$OUT/VERSION"
chmod 755 "$OUT"
log "built $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") bytes) and $OUT/initrd.gz ($(stat -c %s "$OUT/initrd.gz") bytes)"
