"""Host networking run by novalite-compute (the net-host layer): a Linux bridge
per network, dnsmasq for the ports bound to this host, masquerade.

The interface the virt driver calls (Nova's driver.plug_vifs/unplug_vifs
reach os-vif the same way): ``get_host_networking()`` returns an object with

- ``plug_vifs(instance, network_info)``: every VIF's bridge exists and serves
  the VIF (bridge, DHCP entry for its MAC and fixed IP) before the guest starts;
- ``unplug_vifs(instance, network_info)``: what ``plug_vifs`` set up for these
  VIFs is gone (DHCP entries; bridges no VIF uses any more).

This minimal version only checks that each bridge VIF names a bridge; the
real one (pyroute2, dnsmasq) replaces it.
"""
from novalite import exception
from novalite.network import model


class HostNetworking:
    def plug_vifs(self, instance, network_info):
        for vif in network_info or []:
            if vif.get('type') == model.VIF_TYPE_BRIDGE and not model.bridge(vif):
                raise exception.VirtualInterfacePlugException(
                    reason='port %s has no bridge' % vif.get('id'))

    def unplug_vifs(self, instance, network_info):
        pass


_HOST_NETWORKING = None


def get_host_networking():
    global _HOST_NETWORKING
    if _HOST_NETWORKING is None:
        _HOST_NETWORKING = HostNetworking()
    return _HOST_NETWORKING
