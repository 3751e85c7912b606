"""What the libvirt functional tests and the libvirt benchmark share: the
checks that qemu:///system answers, the busybox test guest of
tools/build-test-guest.sh, a compute configuration for the libvirt driver
(TCG) and the AMI-style import of the guest into a Cloud's image store.

Locally a missing libvirt is a skip; with CI=true it is a failure.
"""
import os
import shutil
import subprocess
import tempfile
import uuid

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST_DIR = os.environ.get('NOVALITE_TEST_GUEST_DIR', '/var/tmp/novalite-test-guest')
MARKER = 'NOVALITE-GUEST-BOOTED'
URI = 'qemu:///system'

try:
    import libvirt
except ImportError:  # pragma: no cover - depends on the host
    libvirt = None


def unavailable(reason):
    if os.environ.get('CI') == 'true':
        pytest.fail('libvirt functional test cannot run in CI: %s' % reason)
    pytest.skip(reason)


def test_guest_files():
    """(vmlinuz, initrd.gz) of the test guest, built when missing; skips
    (fails in CI) when libvirt, qemu-img or the guest are unavailable."""
    if libvirt is None:
        unavailable('libvirt-python is not installed')
    try:
        libvirt.open(URI).close()
    except libvirt.libvirtError as e:
        unavailable('%s does not answer (run tools/setup-libvirt.sh): %s' % (URI, e))
    if shutil.which('qemu-img') is None:
        unavailable('qemu-img is not installed')
    proc = subprocess.run([os.path.join(REPO, 'tools', 'build-test-guest.sh'), GUEST_DIR],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        unavailable('building the test guest failed: %s' % proc.stderr)
    return os.path.join(GUEST_DIR, 'vmlinuz'), os.path.join(GUEST_DIR, 'initrd.gz')


test_guest_files.__test__ = False     # a helper, not a test


def searchable_tmpdir(prefix):
    """A directory QEMU (user libvirt-qemu) can reach: not pytest's 0700
    tmp_path, every parent searchable."""
    top = tempfile.mkdtemp(prefix=prefix, dir='/var/tmp')
    os.chmod(top, 0o755)
    return top


def compute_conf(instances_path, extra='', name_prefix=None):
    """Compute host config text for Cloud(compute_conf=...): the libvirt
    driver on qemu:///system with TCG, domain names ``<name_prefix>-%08x``
    (unique to this run unless given)."""
    return ('\n[DEFAULT]\ncompute_driver = libvirt\ninstances_path = %s\n'
            'instance_name_template = %s-%%08x\n%s\n'
            '[libvirt]\nvirt_type = qemu\nconnection_uri = %s\nspawn_timeout = 60\n'
            % (instances_path, name_prefix or 'nl' + uuid.uuid4().hex[:8], extra, URI))


def import_guest(cloud, kernel, initrd, name='busybox'):
    """Import the guest AMI-style: kernel (aki) and ramdisk (ari) images, and
    a 1 MiB root image whose kernel_id/ramdisk_id properties point to them.
    Returns the root image id."""
    kernel_id = cloud.manage('image', 'import', '--disk-format', 'aki',
                             name + '-kernel', kernel)
    ramdisk_id = cloud.manage('image', 'import', '--disk-format', 'ari',
                              name + '-ramdisk', initrd)
    root = os.path.join(str(cloud.tmp), name + '-root.img')
    with open(root, 'wb') as f:
        f.truncate(1024 * 1024)
    return cloud.manage('image', 'import', '--disk-format', 'ami',
                        '--property', 'kernel_id=%s' % kernel_id,
                        '--property', 'ramdisk_id=%s' % ramdisk_id,
                        '--property', 'os_command_line=panic=-1', name, root)


def domain_xml(server_id):
    """The libvirt domain XML of a server, or None when there is no domain."""
    conn = libvirt.open(URI)
    try:
        return conn.lookupByUUIDString(server_id).XMLDesc(0)
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            return None
        raise
    finally:
        conn.close()


def qemu_rss_mib(server_id):
    """Resident memory of a running domain's QEMU process, in MiB."""
    conn = libvirt.open(URI)
    try:
        name = conn.lookupByUUIDString(server_id).name()
    finally:
        conn.close()
    with open('/run/libvirt/qemu/%s.pid' % name) as f:
        pid = int(f.read().strip())
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith('VmRSS:'):
                return int(line.split()[1]) / 1024.0
    raise AssertionError('no VmRSS for qemu pid %d' % pid)


def destroy_domains(name_prefix):
    """Destroy and undefine the domains whose name starts with ``name_prefix``
    (what a failed test left behind)."""
    conn = libvirt.open(URI)
    try:
        for dom in conn.listAllDomains():
            if dom.name().startswith(name_prefix + '-'):
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
    finally:
        conn.close()
