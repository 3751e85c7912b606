"""novalite-all's choice of driver and domain type (virt/libvirt/detect.py)."""
import grp
import os

import pytest

from novalite.virt.libvirt import detect
from tests import services


def test_libvirt_answers():
    ok, detail = detect.libvirt_answers('test:///default')
    assert ok and detail.startswith('libvirt ')
    ok, detail = detect.libvirt_answers('qemu+unix:///system?socket=/nonexistent/sock')
    assert not ok and detail


@pytest.mark.parametrize('flags,mode,group,expected', [
    ('fpu vmx sse', 0o660, 'kvm', True),
    ('fpu svm sse', 0o666, None, True),
    ('fpu hypervisor sse', 0o660, 'kvm', False),     # this sandbox: no vmx/svm
    ('fpu vmx sse', 0o600, 'kvm', False),            # root-only /dev/kvm
])
def test_kvm_usable(tmp_path, flags, mode, group, expected):
    cpuinfo = tmp_path / 'cpuinfo'
    cpuinfo.write_text('processor\t: 0\nflags\t\t: %s\n' % flags)
    dev = tmp_path / 'kvm'
    dev.touch()
    os.chmod(dev, mode)
    if group:
        try:
            os.chown(dev, -1, grp.getgrnam(group).gr_gid)
        except (KeyError, PermissionError):
            services.unavailable('a file owned by group %s' % group)
    usable, reason = detect.kvm_usable(str(dev), str(cpuinfo))
    assert usable is expected, reason
    assert not detect.kvm_usable(str(tmp_path / 'absent'), str(cpuinfo))[0]


def test_qemu_can_reach(tmp_path):
    private = tmp_path / 'private'
    (private / 'state').mkdir(parents=True)
    os.chmod(private, 0o700)
    ok, why = detect.qemu_can_reach(str(private / 'state' / 'instances'))
    assert not ok and why.startswith('%s is mode 0700' % private)
    # missing directories are created 0755: only the existing ones count
    assert detect.qemu_can_reach('/var/tmp/%s/not/created/yet' % tmp_path.name)[0]


def test_reachable_instances_path_falls_back(tmp_path, monkeypatch):
    """A checkout in a private directory: the instances go to a fallback
    QEMU can reach, one per checkout; a reachable path is kept."""
    monkeypatch.setattr(detect, 'INSTANCES_PATH_FALLBACKS',
                        ('/proc/not-creatable/%(key)s', '/var/tmp/%s-%%(key)s' % tmp_path.name))
    private = tmp_path / 'checkout'
    private.mkdir()
    os.chmod(private, 0o700)
    try:
        path, why = detect.reachable_instances_path(str(private / 'state' / 'instances'))
        assert path.startswith('/var/tmp/%s-' % tmp_path.name), path
        assert os.path.isdir(path) and detect.qemu_can_reach(path)[0]
        assert 'is mode 0700' in why
        other, _ = detect.reachable_instances_path(str(private / 'other' / 'instances'))
        assert other != path
        assert detect.reachable_instances_path(path) == (path, '%s is reachable by QEMU' % path)
    finally:
        for p in os.listdir('/var/tmp'):
            if p.startswith('%s-' % tmp_path.name):
                os.rmdir(os.path.join('/var/tmp', p))
