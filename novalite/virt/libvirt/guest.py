"""Guest: one libvirt domain (Nova's virt/libvirt/guest.py, small).

Seed steps 3.14-3.15: ``Guest.create(xml, host)`` defines the domain
(``conn.defineXML``) and ``guest.launch()`` starts it (``createWithFlags``).
"""
import logging

import libvirt

from novalite.compute import power_state

LOG = logging.getLogger(__name__)

# libvirt virDomainState → power_state, as Nova maps them.
LIBVIRT_POWER_STATE = {
    libvirt.VIR_DOMAIN_NOSTATE: power_state.NOSTATE,
    libvirt.VIR_DOMAIN_RUNNING: power_state.RUNNING,
    # "blocked" means idle in a hypercall / waiting for I/O: still running.
    libvirt.VIR_DOMAIN_BLOCKED: power_state.RUNNING,
    libvirt.VIR_DOMAIN_PAUSED: power_state.PAUSED,
    libvirt.VIR_DOMAIN_SHUTDOWN: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_SHUTOFF: power_state.SHUTDOWN,
    libvirt.VIR_DOMAIN_CRASHED: power_state.CRASHED,
    libvirt.VIR_DOMAIN_PMSUSPENDED: power_state.SUSPENDED,
}


def is_no_domain_error(ex):
    return (isinstance(ex, libvirt.libvirtError)
            and ex.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)


def is_not_running_error(ex):
    return (isinstance(ex, libvirt.libvirtError)
            and ex.get_error_code() == libvirt.VIR_ERR_OPERATION_INVALID)


class Guest:
    def __init__(self, domain):
        self._domain = domain

    def __repr__(self):
        return '<Guest %s %s>' % (self.name, self.uuid)

    @property
    def uuid(self):
        return self._domain.UUIDString()

    @property
    def name(self):
        return self._domain.name()

    @property
    def domain(self):
        return self._domain

    @classmethod
    def create(cls, xml, host):
        """Define (not start) a domain from its XML; return the Guest."""
        try:
            domain = host.write_instance_config(xml)
        except Exception:
            LOG.error('Error defining a guest with XML: %s', xml)
            raise
        return cls(domain)

    def launch(self, pause=False):
        """Start the defined domain (``createWithFlags``)."""
        flags = libvirt.VIR_DOMAIN_START_PAUSED if pause else 0
        try:
            return self._domain.createWithFlags(flags)
        except Exception:
            LOG.error('Error launching guest %s', self.name)
            raise

    def resume(self):
        """Resume a guest started paused (after its ports were plugged)."""
        self._domain.resume()

    def get_power_state(self):
        state, _reason = self._domain.state()
        return LIBVIRT_POWER_STATE.get(state, power_state.NOSTATE)

    def poweroff(self):
        """Hard stop (``virDomainDestroy``). A domain that is not running or
        has just disappeared is fine."""
        try:
            self._domain.destroy()
        except libvirt.libvirtError as ex:
            if is_not_running_error(ex) or is_no_domain_error(ex):
                LOG.debug('Guest %s was not running: %s', self.uuid, ex)
                return
            raise

    def undefine(self):
        """Remove the domain definition (managed save, snapshot metadata and
        NVRAM with it); falls back to plain ``undefine`` where the flags are
        not supported. A domain that is already gone is fine."""
        flags = (libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
                 | libvirt.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA
                 | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
        try:
            try:
                self._domain.undefineFlags(flags)
            except libvirt.libvirtError as ex:
                if is_no_domain_error(ex):
                    raise
                LOG.debug('undefineFlags failed (%s), trying undefine', ex)
                self._domain.undefine()
        except libvirt.libvirtError as ex:
            if is_no_domain_error(ex):
                return
            raise

    def get_xml_desc(self):
        return self._domain.XMLDesc(0)
