#!/bin/bash
# Build the tiny bootable test guest used by novalite's libvirt tests.
#
#   tools/build-test-guest.sh <outdir>
#
# Produces <outdir>/vmlinuz (the Debian 6.1 amd64 kernel: 8250 serial console
# and gzip initrd support are built in) and <outdir>/initrd.gz (a busybox
# initramfs whose /init mounts proc, sys and devtmpfs, prints the marker line
# NOVALITE-GUEST-BOOTED to /dev/ttyS0 and then sleeps forever).
# Needs 128 MiB of guest RAM (the 6.1 kernel does not boot in 64 MiB).
#
# Idempotent: does nothing when both files already exist. No internet needed
# beyond the configured Debian mirror (apt-get download).
set -euo pipefail

MARKER=NOVALITE-GUEST-BOOTED
log() { echo "build-test-guest: $*"; }
die() { echo "build-test-guest: ERROR: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: $0 <outdir>"
OUT=$1
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ]; then
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

mkdir -p initramfs/bin initramfs/dev initramfs/proc initramfs/sys initramfs/tmp
cp "$BUSYBOX" initramfs/bin/busybox
ln -s busybox initramfs/bin/sh
mknod -m 600 initramfs/dev/console c 5 1 2>/dev/null || true
cat > initramfs/init <<INIT
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
echo "$MARKER uptime=\$(/bin/busybox cut -d' ' -f1 /proc/uptime)" > /dev/ttyS0
while :; do /bin/busybox sleep 3600; done
INIT
chmod 755 initramfs/init

(cd initramfs && find . | "$WORK/$BUSYBOX" cpio -o -H newc 2>/dev/null) | gzip -9 > initrd.gz
[ -s initrd.gz ] || die "initramfs is empty"

install -m 0644 "$VMLINUZ" "$OUT/vmlinuz.tmp" && mv "$OUT/vmlinuz.tmp" "$OUT/vmlinuz"
install -m 0644 initrd.gz "$OUT/initrd.gz.tmp" && mv "$OUT/initrd.gz.tmp" "$OUT/initrd.gz"
chmod 755 "$OUT"
log "built $OUT/vmlinuz ($(stat -c %s "$OUT/vmlinuz") bytes) and $OUT/initrd.gz ($(stat -c %s "$OUT/initrd.gz") bytes)"
