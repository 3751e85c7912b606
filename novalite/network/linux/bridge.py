"""Linux bridges and their addresses, through netlink (pyroute2), as
Neutron's linuxbridge agent and os-vif do: never by parsing ``ip`` output."""
import errno
import ipaddress
import socket

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError


def _index(ipr, name):
    found = ipr.link_lookup(ifname=name)
    return found[0] if found else None


def exists(name):
    with IPRoute() as ipr:
        return _index(ipr, name) is not None


def ensure_bridge(name):
    """Create the bridge ``name`` if missing and bring it up."""
    with IPRoute() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            try:
                ipr.link('add', ifname=name, kind='bridge')
            except NetlinkError as e:
                if e.code != errno.EEXIST:     # another thread won the race
                    raise
            idx = _index(ipr, name)
        ipr.link('set', index=idx, state='up')
        return idx


def delete_bridge(name):
    """Remove the bridge ``name``; a missing bridge is not an error."""
    with IPRoute() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            return False
        try:
            ipr.link('del', index=idx)
        except NetlinkError as e:
            if e.code != errno.ENODEV:
                raise
        return True


def addresses(name):
    """The IPv4 interfaces (ipaddress.IPv4Interface) on link ``name``."""
    with IPRoute() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            return []
        return [ipaddress.ip_interface('%s/%d' % (a.get_attr('IFA_ADDRESS'),
                                                  a['prefixlen']))
                for a in ipr.get_addr(index=idx, family=socket.AF_INET)]


def ensure_address(name, interface):
    """Put ``interface`` (e.g. ``10.233.0.1/24``) on link ``name``."""
    interface = ipaddress.ip_interface(interface)
    if interface in addresses(name):
        return False
    with IPRoute() as ipr:
        try:
            ipr.addr('add', index=_index(ipr, name), address=str(interface.ip),
                     prefixlen=interface.network.prefixlen)
        except NetlinkError as e:
            if e.code != errno.EEXIST:
                raise
    return True


def remove_address(name, interface):
    interface = ipaddress.ip_interface(interface)
    with IPRoute() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            return
        try:
            ipr.addr('del', index=idx, address=str(interface.ip),
                     prefixlen=interface.network.prefixlen)
        except NetlinkError as e:
            if e.code not in (errno.EADDRNOTAVAIL, errno.ENODEV):
                raise


def bridges(prefix):
    """Names of the bridges whose name starts with ``prefix``."""
    with IPRoute() as ipr:
        names = []
        for link in ipr.get_links():
            info = link.get_attr('IFLA_LINKINFO')
            if info is not None and info.get_attr('IFLA_INFO_KIND') == 'bridge':
                name = link.get_attr('IFLA_IFNAME')
                if name.startswith(prefix):
                    names.append(name)
        return names


def ports(name):
    """Names of the links enslaved to bridge ``name``."""
    with IPRoute() as ipr:
        idx = _index(ipr, name)
        if idx is None:
            return []
        return [link.get_attr('IFLA_IFNAME') for link in ipr.get_links()
                if link.get_attr('IFLA_MASTER') == idx]
