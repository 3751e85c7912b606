"""Host: the libvirt connection and what the hypervisor host reports
(Nova's virt/libvirt/host.py, small).

* One connection per Host, opened lazily and reopened after libvirtd drops it.
* libvirt's default event loop runs in one daemon thread per process; domain
  lifecycle events are turned into ``LifecycleEvent(uuid, transition)`` and
  handed, from a separate dispatch thread, to ``lifecycle_event_handler``
  (seed step 3.16).  The libvirt event thread never runs upper-layer code.
"""
import logging
import queue
import threading
import xml.etree.ElementTree as ET

import libvirt

from novalite import exception
from novalite.virt import driver as virt_driver
from novalite.virt.libvirt import guest as libvirt_guest

LOG = logging.getLogger(__name__)

_EVENT_LOOP_LOCK = threading.Lock()
_EVENT_LOOP_STARTED = False

# libvirt lifecycle event → Nova transition; other events are ignored.
_LIFECYCLE_TRANSITIONS = {
    libvirt.VIR_DOMAIN_EVENT_STOPPED: virt_driver.EVENT_LIFECYCLE_STOPPED,
    libvirt.VIR_DOMAIN_EVENT_STARTED: virt_driver.EVENT_LIFECYCLE_STARTED,
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: virt_driver.EVENT_LIFECYCLE_PAUSED,
    libvirt.VIR_DOMAIN_EVENT_RESUMED: virt_driver.EVENT_LIFECYCLE_RESUMED,
}


def _run_event_loop():
    while True:
        libvirt.virEventRunDefaultImpl()


def start_event_loop():
    """Register libvirt's default event loop (before any connection is
    opened) and run it in a daemon thread. Once per process."""
    global _EVENT_LOOP_STARTED
    with _EVENT_LOOP_LOCK:
        if _EVENT_LOOP_STARTED:
            return
        # libvirt prints every error to stderr by default; we raise them.
        libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
        libvirt.virEventRegisterDefaultImpl()
        threading.Thread(target=_run_event_loop, name='libvirt-event-loop',
                         daemon=True).start()
        _EVENT_LOOP_STARTED = True


class Host:
    def __init__(self, uri, lifecycle_event_handler=None):
        self._uri = uri
        self._lifecycle_event_handler = lifecycle_event_handler
        self._conn = None
        self._conn_lock = threading.Lock()
        self._event_callback_id = None
        self._events = queue.Queue()
        self._dispatcher = None

    # -- connection -----------------------------------------------------------
    def initialize(self):
        """Open the connection now (it is otherwise opened on first use)."""
        self.get_connection()

    def get_connection(self):
        with self._conn_lock:
            if self._conn is None or not self._conn_alive(self._conn):
                self._conn = self._connect()
            return self._conn

    @staticmethod
    def _conn_alive(conn):
        try:
            return conn.isAlive() == 1
        except libvirt.libvirtError:
            return False

    def _connect(self):
        start_event_loop()   # must precede the first libvirt.open()
        if self._lifecycle_event_handler and self._dispatcher is None:
            self._dispatcher = threading.Thread(
                target=self._dispatch_events, name='libvirt-event-dispatch',
                daemon=True)
            self._dispatcher.start()
        LOG.debug('Connecting to libvirt: %s', self._uri)
        try:
            conn = libvirt.open(self._uri)
        except libvirt.libvirtError as ex:
            LOG.error('Connection to libvirt %s failed: %s', self._uri, ex)
            raise exception.HypervisorUnavailable(host=self._uri) from ex
        if self._lifecycle_event_handler:
            self._event_callback_id = conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                self._event_lifecycle_callback, None)
        try:
            conn.registerCloseCallback(self._close_callback, None)
        except libvirt.libvirtError as ex:
            LOG.debug('No close callback on %s: %s', self._uri, ex)
        return conn

    def _close_callback(self, conn, reason, opaque):
        LOG.warning('Connection to libvirt %s lost (reason %s); will reconnect',
                    self._uri, reason)
        with self._conn_lock:
            if self._conn is conn:
                self._conn = None

    def close(self):
        with self._conn_lock:
            conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self._event_callback_id is not None:
                conn.domainEventDeregisterAny(self._event_callback_id)
            conn.unregisterCloseCallback()
        except libvirt.libvirtError:
            pass
        self._event_callback_id = None
        try:
            conn.close()
        except libvirt.libvirtError:
            pass

    # -- events (seed 3.16) -----------------------------------------------------
    def _event_lifecycle_callback(self, conn, dom, event, detail, opaque):
        """Runs in the libvirt event thread: only translate and queue."""
        transition = _LIFECYCLE_TRANSITIONS.get(event)
        if transition is None:
            return
        uuid = dom.UUIDString()
        LOG.debug('libvirt lifecycle event %s/%s for %s', event, detail, uuid)
        self._events.put(virt_driver.LifecycleEvent(uuid, transition))

    def _dispatch_events(self):
        while True:
            event = self._events.get()
            try:
                self._lifecycle_event_handler(event)
            except Exception:  # noqa: BLE001 - a bad handler must not kill us
                LOG.exception('Lifecycle event handler failed for %s', event)

    # -- domains ----------------------------------------------------------------
    def write_instance_config(self, xml):
        """Define a domain (``defineXML``); return the virDomain."""
        return self.get_connection().defineXML(xml)

    def get_guest(self, instance):
        """The Guest of ``instance``; InstanceNotFound when no domain has its
        uuid."""
        try:
            dom = self.get_connection().lookupByUUIDString(instance.uuid)
        except libvirt.libvirtError as ex:
            if libvirt_guest.is_no_domain_error(ex):
                raise exception.InstanceNotFound(instance_id=instance.uuid) from ex
            raise
        return libvirt_guest.Guest(dom)

    def list_guests(self, only_running=False):
        flags = libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE if only_running else 0
        return [libvirt_guest.Guest(d)
                for d in self.get_connection().listAllDomains(flags)]

    # -- host facts ---------------------------------------------------------------
    def get_hostname(self):
        return self.get_connection().getHostname()

    def get_driver_type(self):
        return self.get_connection().getType()

    def get_version(self):
        return self.get_connection().getVersion()

    def get_info(self):
        """virNodeGetInfo: [model, memory MiB, cpus, MHz, nodes, sockets,
        cores, threads]."""
        return self.get_connection().getInfo()

    def get_free_memory_mb(self):
        return self.get_connection().getFreeMemory() // (1024 * 1024)

    def get_capabilities(self):
        return ET.fromstring(self.get_connection().getCapabilities())

    def get_cpu_info(self):
        """The host CPU as Nova's cpu_info dict."""
        caps = self.get_capabilities()
        cpu = caps.find('host/cpu')
        info = self.get_info()
        topo = cpu.find('topology') if cpu is not None else None
        return {
            'arch': cpu.findtext('arch') if cpu is not None else None,
            'model': cpu.findtext('model') if cpu is not None else None,
            'vendor': cpu.findtext('vendor') if cpu is not None else None,
            'topology': {
                'cells': info[4],
                'sockets': int(topo.get('sockets')) if topo is not None else info[5],
                'cores': int(topo.get('cores')) if topo is not None else info[6],
                'threads': int(topo.get('threads')) if topo is not None else info[7],
            },
            'features': sorted(f.get('name') for f in cpu.findall('feature'))
            if cpu is not None else [],
        }

    def get_supported_instances(self, virt_type):
        """[[arch, virt_type, 'hvm'], ...] for the guest archs the
        capabilities offer with domain type ``virt_type``."""
        result = []
        for guest in self.get_capabilities().findall('guest'):
            if guest.findtext('os_type') != 'hvm':
                continue
            arch = guest.find('arch')
            if arch is None:
                continue
            types = {d.get('type') for d in arch.findall('domain')}
            if virt_type in types:
                entry = [arch.get('name'), virt_type, 'hvm']
                if entry not in result:
                    result.append(entry)
        return result
