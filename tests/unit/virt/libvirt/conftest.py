"""Fixtures of the libvirt driver unit tests (test:///default)."""
import subprocess

import pytest

from libvirt_testutils import TEST_URI, Overrides
from novalite.network import linux as linux_networking

BRIDGE = 'br-test'          # the bridge of libvirt_testutils.VIFS


@pytest.fixture
def flags():
    o = Overrides()
    yield o
    o.clear()


def _link_exists(name):
    return subprocess.run(['ip', 'link', 'show', name], capture_output=True).returncode == 0


@pytest.fixture
def libvirt_env(tmp_path, flags, monkeypatch):
    """Options for a driver on test:///default with a private instances
    path, image store and network state (the process's host networking
    made anew under it, not one an earlier test made); the host bridge a
    test's bridge VIF creates (``br-test``) is deleted afterwards."""
    store = tmp_path / 'images'
    store.mkdir()
    flags('state_path', str(tmp_path / 'state'))
    monkeypatch.setattr(linux_networking, '_HOST_NETWORKING', None)
    flags('instances_path', str(tmp_path / 'instances'))
    flags('store_path', str(store), group='image')
    flags('connection_uri', TEST_URI, group='libvirt')
    flags('virt_type', 'qemu', group='libvirt')
    flags('spawn_timeout', 5, group='libvirt')
    had_bridge = _link_exists(BRIDGE)
    yield tmp_path
    if not had_bridge and _link_exists(BRIDGE):
        subprocess.run(['ip', 'link', 'del', BRIDGE], capture_output=True)
