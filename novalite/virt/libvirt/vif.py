"""VIF dicts → libvirt <interface> config (Nova's virt/libvirt/vif.py, small).

Plugging is out of scope here: a 'bridge' VIF names a bridge that already
exists, a 'network' VIF a started libvirt network; 'user' needs nothing
(QEMU user-mode networking, guest 10.0.2.15/24, host reachable as 10.0.2.2).
"""
from novalite import exception
from novalite.network import model as network_model
from novalite.virt.libvirt import config as vconfig

VIF_TYPE_USER = 'user'
VIF_TYPE_BRIDGE = 'bridge'
VIF_TYPE_NETWORK = 'network'
VIF_TYPES = (VIF_TYPE_USER, VIF_TYPE_BRIDGE, VIF_TYPE_NETWORK)


class UnsupportedVifType(exception.NovaliteException):
    msg_fmt = 'Unsupported VIF type %(vif_type)s for port %(vif_id)s'


class VirtualInterfaceConfigException(exception.NovaliteException):
    msg_fmt = 'Port %(vif_id)s: %(reason)s'


def get_config(vif, model='virtio'):
    """The LibvirtConfigGuestInterface for one VIF dict."""
    vif_type = vif.get('type')
    if vif_type not in VIF_TYPES:
        raise UnsupportedVifType(vif_type=vif_type, vif_id=vif.get('id'))
    conf = vconfig.LibvirtConfigGuestInterface(
        net_type=vif_type, mac_addr=vif.get('address'), model=model,
        target_dev=vif.get('devname') if vif_type == VIF_TYPE_BRIDGE else None)
    if vif_type == VIF_TYPE_BRIDGE:
        conf.source_dev = network_model.bridge(vif)
        if not conf.source_dev:
            raise VirtualInterfaceConfigException(
                vif_id=vif.get('id'), reason='bridge VIF without a bridge name')
    elif vif_type == VIF_TYPE_NETWORK:
        conf.source_dev = vif.get('network_name')
        if not conf.source_dev:
            raise VirtualInterfaceConfigException(
                vif_id=vif.get('id'),
                reason='network VIF without a libvirt network name')
    return conf
