"""Host: connection handling and power-state mapping on test:///default."""
import libvirt
import pytest

from libvirt_testutils import TEST_URI, make_instance
from novalite.compute import power_state
from novalite import exception
from novalite.virt.libvirt import guest as libvirt_guest
from novalite.virt.libvirt import host


def test_connection_reused_and_reopened():
    h = host.Host(TEST_URI)
    c1 = h.get_connection()
    assert h.get_connection() is c1
    h.close()
    c2 = h.get_connection()
    assert c2 is not c1 and c2.isAlive()
    h.close()


def test_unreachable_uri_is_hypervisor_unavailable():
    h = host.Host('qemu+unix:///system?socket=/nonexistent/sock')
    with pytest.raises(exception.HypervisorUnavailable):
        h.get_connection()


def test_builtin_test_domain_maps_to_running():
    h = host.Host(TEST_URI)
    guests = {g.name: g for g in h.list_guests()}
    assert guests['test'].get_power_state() == power_state.RUNNING
    h.close()


def test_get_guest_missing():
    h = host.Host(TEST_URI)
    with pytest.raises(exception.InstanceNotFound):
        h.get_guest(make_instance())
    h.close()


def test_state_map_is_novas():
    m = libvirt_guest.LIBVIRT_POWER_STATE
    assert m[libvirt.VIR_DOMAIN_SHUTOFF] == power_state.SHUTDOWN
    assert m[libvirt.VIR_DOMAIN_BLOCKED] == power_state.RUNNING
    assert m[libvirt.VIR_DOMAIN_PMSUSPENDED] == power_state.SUSPENDED
    assert m[libvirt.VIR_DOMAIN_CRASHED] == power_state.CRASHED
