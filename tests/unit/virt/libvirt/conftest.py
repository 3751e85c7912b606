"""Fixtures of the libvirt driver unit tests (test:///default)."""
import pytest

from libvirt_testutils import TEST_URI, Overrides


@pytest.fixture
def flags():
    o = Overrides()
    yield o
    o.clear()


@pytest.fixture
def libvirt_env(tmp_path, flags):
    """Options for a driver on test:///default with a private instances
    path and image store."""
    store = tmp_path / 'images'
    store.mkdir()
    flags('instances_path', str(tmp_path / 'instances'))
    flags('store_path', str(store), group='image')
    flags('connection_uri', TEST_URI, group='libvirt')
    flags('virt_type', 'qemu', group='libvirt')
    flags('spawn_timeout', 5, group='libvirt')
    return tmp_path
