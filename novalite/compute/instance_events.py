"""Events a build waits for (Nova's ``InstanceEvents`` and
``wait_for_instance_event``): the libvirt driver starts a guest paused,
compute waits until Neutron says each port is plugged
(``network-vif-plugged``, through POST /os-server-external-events), then the
guest is resumed.

An event is keyed by (instance uuid, name, tag): ``prepare`` registers the
waiters before the ports are plugged (so an early event is never lost),
``pop`` delivers one, ``wait`` blocks until all arrived or the deadline passed.
"""
import contextlib
import threading
import time

from novalite import exception


class _Waiter:
    def __init__(self):
        self.arrived = threading.Event()
        self.status = None


class InstanceEvents:
    def __init__(self):
        self._lock = threading.Lock()
        self._events = {}       # uuid -> {(name, tag): _Waiter}

    def prepare(self, uuid, name, tag):
        with self._lock:
            return self._events.setdefault(uuid, {}).setdefault((name, tag), _Waiter())

    def pop(self, uuid, name, tag, status='completed'):
        """Deliver an event; False when nobody waits for it (Nova logs and
        drops such events)."""
        with self._lock:
            waiter = self._events.get(uuid, {}).pop((name, tag), None)
        if waiter is None:
            return False
        waiter.status = status
        waiter.arrived.set()
        return True

    def clear(self, uuid):
        with self._lock:
            self._events.pop(uuid, None)

    @contextlib.contextmanager
    def wait_for(self, uuid, events, deadline):
        """Register ``events`` [(name, tag)], run the body (which plugs the
        ports and starts the guest paused), then wait for every event until
        ``deadline`` seconds after the body ended.  Raises
        VirtualInterfaceCreateException naming what did not arrive, or the
        events Neutron reported as failed."""
        waiters = [(event, self.prepare(uuid, *event)) for event in events]
        try:
            yield
            end = time.monotonic() + deadline
            missing = [event for event, w in waiters
                       if not w.arrived.wait(max(0.0, end - time.monotonic()))]
            if missing:
                raise exception.VirtualInterfaceCreateException(
                    reason='timed out after %d s waiting for %s' % (
                        deadline, ', '.join('%s for port %s' % e for e in missing)))
            failed = [event for event, w in waiters if w.status == 'failed']
            if failed:
                raise exception.VirtualInterfaceCreateException(
                    reason='Neutron reported %s' % ', '.join(
                        '%s failed for port %s' % e for e in failed))
        finally:
            self.clear(uuid)
