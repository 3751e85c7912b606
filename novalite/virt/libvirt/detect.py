"""Is libvirt usable on this host, and with which domain type?

Used by novalite-all to choose its embedded default driver: the libvirt
driver when the libvirt daemon answers, ``kvm`` when the CPU has hardware
virtualisation and /dev/kvm is usable by QEMU, else ``qemu`` (TCG).
"""
import grp
import os


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
