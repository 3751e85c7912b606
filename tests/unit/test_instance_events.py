"""The compute's wait for Neutron's events (InstanceEvents.wait_for): events
delivered by another thread end the wait, early ones are not lost, a missing
or failed one is a VirtualInterfaceCreateException that names the port."""
import threading

import pytest

from novalite.compute import instance_events
from novalite import exception

UUID = '8d2f1b8e-4f6c-4a8e-9a0e-0a3c2b1d4e5f'


def test_events_from_another_thread_end_the_wait():
    events = instance_events.InstanceEvents()
    wanted = [('network-vif-plugged', 'p1'), ('network-vif-plugged', 'p2')]
    with events.wait_for(UUID, wanted, deadline=10):
        # one arrives while the body still runs (before the guest is resumed)
        assert events.pop(UUID, 'network-vif-plugged', 'p1')
        threading.Timer(0.05, events.pop, (UUID, 'network-vif-plugged', 'p2')).start()
    assert not events.pop(UUID, 'network-vif-plugged', 'p1')   # nothing waits any more


def test_timeout_names_the_port_and_the_wait():
    events = instance_events.InstanceEvents()
    with pytest.raises(exception.VirtualInterfaceCreateException) as e:
        with events.wait_for(UUID, [('network-vif-plugged', 'port-a'),
                                    ('network-vif-plugged', 'port-b')], deadline=0.2):
            events.pop(UUID, 'network-vif-plugged', 'port-a')
    msg = e.value.format_message()
    assert 'network-vif-plugged for port port-b' in msg and 'port-a' not in msg
    assert msg.startswith('Virtual interface creation failed: timed out after')


def test_failed_event_is_an_error():
    events = instance_events.InstanceEvents()
    with pytest.raises(exception.VirtualInterfaceCreateException) as e:
        with events.wait_for(UUID, [('network-vif-plugged', 'p1')], deadline=5):
            events.pop(UUID, 'network-vif-plugged', 'p1', status='failed')
    assert 'network-vif-plugged failed for port p1' in e.value.format_message()


def test_unexpected_event_is_dropped_and_state_is_cleared_on_error():
    events = instance_events.InstanceEvents()
    assert not events.pop(UUID, 'network-vif-plugged', 'nobody')
    with pytest.raises(RuntimeError):
        with events.wait_for(UUID, [('network-vif-plugged', 'p1')], deadline=5):
            raise RuntimeError('spawn failed')
    assert not events.pop(UUID, 'network-vif-plugged', 'p1')
