"""Is libvirt usable on this host, and with which domain type?

Used by novalite-all to choose its embedded defaults: the libvirt driver
when the libvirt daemon answers, ``kvm`` when the CPU has hardware
virtualisation and /dev/kvm is usable by QEMU, else ``qemu`` (TCG); and an
instances path that QEMU, which runs as its own user (libvirt-qemu), can reach.
"""
import getpass
import hashlib
import grp
import os
import stat


def libvirt_answers(uri):
    """(True, version string) when ``uri`` answers, else (False, reason)."""
    try:
        import libvirt
    except ImportError:
        return False, 'libvirt-python is not installed'
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError as e:
        return False, str(e)
    try:
        ver = conn.getLibVersion()
        return True, 'libvirt %d.%d.%d' % (ver // 1000000, ver // 1000 % 1000, ver % 1000)
    finally:
        conn.close()


def _cpu_has_virtualisation(cpuinfo='/proc/cpuinfo'):
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith('flags'):
                    flags = line.split(':', 1)[1].split()
                    return 'vmx' in flags or 'svm' in flags
    except OSError:
        pass
    return False


def kvm_usable(dev='/dev/kvm', cpuinfo='/proc/cpuinfo'):
    """(bool, reason): whether ``type='kvm'`` guests can run here.  QEMU
    runs as libvirt-qemu (group kvm), so /dev/kvm must be group kvm rw."""
    if not _cpu_has_virtualisation(cpuinfo):
        return False, 'the CPU has no vmx/svm flag'
    try:
        st = os.stat(dev)
    except OSError:
        return False, '%s is absent' % dev
    try:
        kvm_gid = grp.getgrnam('kvm').gr_gid
    except KeyError:
        kvm_gid = None
    if st.st_mode & 0o006 == 0o006 or (st.st_gid == kvm_gid and st.st_mode & 0o060 == 0o060):
        return True, '%s is usable' % dev
    return False, ('%s is not read-write for group kvm (run tools/setup-libvirt.sh)'
                   % dev)


def qemu_can_reach(path):
    """(bool, reason): whether QEMU, running as an unprivileged user of its
    own, can reach files under ``path``: every directory on the way must be
    searchable by others (a checkout under /root or a mktemp directory, mode
    0700, is not)."""
    p = os.path.abspath(path)
    while True:
        try:
            mode = os.stat(p).st_mode
        except FileNotFoundError:
            mode = None                 # created later, with mode 0755
        if mode is not None and not mode & stat.S_IXOTH:
            return False, '%s is mode %04o: QEMU cannot reach %s' % (
                p, stat.S_IMODE(mode), path)
        parent = os.path.dirname(p)
        if parent == p:
            return True, '%s is reachable by QEMU' % path
        p = parent


# %(key)s names the unreachable path, so that two checkouts never share one
# image cache (each one's cache manager removes the bases its instances do not use).
INSTANCES_PATH_FALLBACKS = ('/var/lib/novalite/instances-%(key)s',
                            '/var/tmp/novalite-%(user)s/instances-%(key)s')


def reachable_instances_path(preferred):
    """(path, reason): ``preferred`` when QEMU can reach it, else the first
    of INSTANCES_PATH_FALLBACKS that can be created reachable (Nova's own
    default is /var/lib/nova/instances); None when none can."""
    ok, why = qemu_can_reach(preferred)
    if ok:
        return preferred, why
    key = hashlib.sha256(os.path.abspath(preferred).encode()).hexdigest()[:8]
    for candidate in INSTANCES_PATH_FALLBACKS:
        candidate = candidate % {'user': getpass.getuser(), 'key': key}
        try:
            _makedirs_searchable(candidate)
        except OSError:
            continue
        if qemu_can_reach(candidate)[0]:
            return candidate, why
    return None, why


def _makedirs_searchable(path):
    """Create ``path`` and its missing parents with mode 0755."""
    missing = []
    p = os.path.abspath(path)
    while not os.path.isdir(p):
        missing.append(p)
        p = os.path.dirname(p)
    for d in reversed(missing):
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o755)
