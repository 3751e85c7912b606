"""Host networking run by novalite-compute: a Linux bridge per network (or
the operator's bridge of a flat provider network), dnsmasq for the ports
bound to this host, masquerade; see :mod:`novalite.network.linux.host`.

``get_host_networking()`` is the one object of this process (the virt
driver's ``plug_vifs``/``unplug_vifs``/``reconcile_vifs`` reach it, as
Nova's reach os-vif).
"""
import threading

_HOST_NETWORKING = None
_LOCK = threading.Lock()


def get_host_networking():
    global _HOST_NETWORKING
    with _LOCK:
        if _HOST_NETWORKING is None:
            from novalite.network.linux import host
            _HOST_NETWORKING = host.HostNetwork()
        return _HOST_NETWORKING
