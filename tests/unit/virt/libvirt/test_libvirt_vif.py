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
        libvirt_vif.get_config({'id': 'p', 'type': 'ovs', 'address': 'fa:16:3e:0:0:9'})


def test_bridge_without_name_rejected():
    with pytest.raises(libvirt_vif.VirtualInterfaceConfigException):
        libvirt_vif.get_config(dict(VIFS[1], network={'label': 'br'}))
