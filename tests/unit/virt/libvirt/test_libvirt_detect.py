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
