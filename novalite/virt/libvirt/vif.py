"""VIF dicts → libvirt <interface> config (Nova's virt/libvirt/vif.py, small).

A ``bridge`` VIF of the VIF model (:mod:`novalite.network.model`) becomes
``<interface type='bridge'>`` with the port's MAC, the host bridge that
:mod:`novalite.network.linux.host` plugs (the network's own ``brq…`` or the
operator's bridge of a flat provider network), ``<target dev='tap…'/>``
(libvirt creates that tap and enslaves it) and the network's MTU.

An ``ovs`` VIF (what Neutron's ML2/OVN binds) is a port of the integration
bridge named in its ``binding:vif_details`` (``br-int``):
``<interface type='bridge'>`` with ``<virtualport type='openvswitch'>`` whose
``interfaceid`` is the port id; libvirt adds the tap to the bridge with that
``iface-id`` and OVN claims the port.

The older kinds stay for hand-made VIFs: 'user' (QEMU user-mode
networking, guest 10.0.2.15/24, host reachable as 10.0.2.2) and 'network'
(a started libvirt network).
"""
from oslo_config import cfg

from novalite import exception
from novalite.network.linux import host as host_network
from novalite.network import model
from novalite.virt.libvirt import config as vconfig

CONF = cfg.CONF
VIF_TYPE_USER = 'user'
VIF_TYPE_BRIDGE = model.VIF_TYPE_BRIDGE
VIF_TYPE_NETWORK = 'network'
VIF_TYPE_OVS = 'ovs'
VIF_TYPES = (VIF_TYPE_USER, VIF_TYPE_BRIDGE, VIF_TYPE_NETWORK, VIF_TYPE_OVS)


class UnsupportedVifType(exception.NovaliteException):
    msg_fmt = 'Unsupported VIF type %(vif_type)s for port %(vif_id)s'


class VirtualInterfaceConfigException(exception.NovaliteException):
    msg_fmt = 'Port %(vif_id)s: %(reason)s'


def _bridge_config(conf, vif):
    if model.network_id(vif):
        conf.source_dev = host_network.bridge_for(vif)
        conf.target_dev = vif.get('devname') or model.devname(vif['id'])
        conf.mtu = model.mtu(vif)
    else:       # a VIF without a network names an existing bridge
        conf.source_dev = model.bridge(vif) or vif.get('bridge')
        conf.target_dev = vif.get('devname')
    if not conf.source_dev:
        raise VirtualInterfaceConfigException(
            vif_id=vif.get('id'), reason='bridge VIF without a bridge name')


def _ovs_config(conf, vif):
    conf.source_dev = model.bridge(vif) or CONF.neutron.ovs_bridge
    conf.vporttype, conf.interfaceid = 'openvswitch', vif['id']
    conf.target_dev = vif.get('devname') or model.devname(vif['id'])
    conf.mtu = model.mtu(vif)


def get_config(vif, model_name='virtio'):
    """The LibvirtConfigGuestInterface for one VIF dict."""
    vif_type = vif.get('type')
    if vif_type not in VIF_TYPES:
        raise UnsupportedVifType(vif_type=vif_type, vif_id=vif.get('id'))
    conf = vconfig.LibvirtConfigGuestInterface(
        net_type=VIF_TYPE_BRIDGE if vif_type == VIF_TYPE_OVS else vif_type,
        mac_addr=vif.get('address'), model=model_name)
    if vif_type == VIF_TYPE_BRIDGE:
        _bridge_config(conf, vif)
    elif vif_type == VIF_TYPE_OVS:
        _ovs_config(conf, vif)
    elif vif_type == VIF_TYPE_NETWORK:
        conf.source_dev = vif.get('network_name')
        if not conf.source_dev:
            raise VirtualInterfaceConfigException(
                vif_id=vif.get('id'),
                reason='network VIF without a libvirt network name')
    return conf
