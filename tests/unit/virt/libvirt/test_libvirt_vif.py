"""VIF dicts map to <interface> config per type."""
import xml.etree.ElementTree as ET

import pytest

from libvirt_testutils import VIFS
from novalite.virt.libvirt import vif as libvirt_vif


def _xml(vif):
    return ET.fromstring(libvirt_vif.get_config(vif).to_xml())


def test_user_vif():
    el = _xml(VIFS[0])
    assert el.get('type') == 'user'
    assert el.find('mac').get('address') == 'fa:16:3e:00:00:01'
    assert el.find('model').get('type') == 'virtio'
    assert el.find('source') is None


def test_bridge_vif():
    el = _xml(VIFS[1])
    assert el.get('type') == 'bridge'
    assert el.find('source').attrib == {'bridge': 'br-test'}
    assert el.find('target').attrib == {'dev': 'tapport-br'}     # the VIF's devname


def test_network_vif():
    el = _xml(VIFS[2])
    assert el.get('type') == 'network'
    assert el.find('source').attrib == {'network': 'default'}


def test_unknown_type_rejected():
    with pytest.raises(libvirt_vif.UnsupportedVifType):
        libvirt_vif.get_config({'id': 'p', 'type': 'vhostuser', 'address': 'fa:16:3e:0:0:9'})


def test_bridge_without_name_rejected():
    with pytest.raises(libvirt_vif.VirtualInterfaceConfigException):
        libvirt_vif.get_config(dict(VIFS[1], network={'label': 'br'}))


OVS_VIF = {'id': '6b1c1d5e-0e6a-4ad5-9d2c-0f1e2d3c4b5a', 'type': 'ovs',
           'address': 'fa:16:3e:00:00:0a', 'active': False,
           'details': {'bridge_name': 'br-int', 'port_filter': True, 'connectivity': 'l2'},
           'network': {'id': 'n1', 'bridge': 'br-int', 'meta': {'mtu': 1442}, 'subnets': []}}


def test_ovs_vif_is_a_port_of_the_integration_bridge():
    el = _xml(OVS_VIF)
    assert el.get('type') == 'bridge'
    assert el.find('mac').get('address') == 'fa:16:3e:00:00:0a'
    assert el.find('source').attrib == {'bridge': 'br-int'}
    assert el.find('virtualport').get('type') == 'openvswitch'
    assert el.find('virtualport/parameters').attrib == {'interfaceid': OVS_VIF['id']}
    assert el.find('target').attrib == {'dev': 'tap6b1c1d5e-0e'}
    assert el.find('mtu').attrib == {'size': '1442'}
    # a binding that names no bridge: [neutron] ovs_bridge
    el = _xml(dict(OVS_VIF, details={}, network=dict(OVS_VIF['network'], bridge=None)))
    assert el.find('source').attrib == {'bridge': 'br-int'}
