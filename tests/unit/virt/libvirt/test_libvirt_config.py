"""The config-object layer produces the domain XML libvirt expects."""
import uuid
import xml.etree.ElementTree as ET

import libvirt

from libvirt_testutils import TEST_URI
from novalite.virt.libvirt import config as vconfig

NS = {'nova': vconfig.NOVA_NS}


def _guest(**kw):
    g = vconfig.LibvirtConfigGuest()
    g.virt_type = kw.get('virt_type', 'qemu')
    g.uuid = kw.get('uuid', str(uuid.uuid4()))
    g.name = kw.get('name', 'instance-cfg-%s' % g.uuid[:8])
    g.memory = 128 * 1024
    g.vcpus = 2
    meta = vconfig.LibvirtConfigGuestMetaNovaInstance()
    meta.package = '1.2.3'
    meta.name = 'my server'
    meta.creation_time = '2026-11-25 12:00:00'
    meta.flavor = vconfig.LibvirtConfigGuestMetaNovaFlavor(
        name='m1.tiny', memory=128, disk=1, swap=0, ephemeral=0, vcpus=2)
    meta.owner = vconfig.LibvirtConfigGuestMetaNovaOwner(
        userid='u-1', username='alice', projectid='p-1', projectname='demo')
    meta.root_type = 'image'
    meta.root_uuid = 'img-1'
    g.metadata.append(meta)
    g.sysinfo = vconfig.LibvirtConfigGuestSysinfo(
        manufacturer='OpenStack Foundation', product='OpenStack Nova',
        serial=g.uuid, uuid=g.uuid, family='Virtual Machine')
    g.os_mach_type = 'pc'
    g.os_kernel = '/i/kernel'
    g.os_initrd = '/i/ramdisk'
    g.os_cmdline = 'root=/dev/vda console=ttyS0'
    g.os_smbios = 'sysinfo'
    g.features = [vconfig.LibvirtConfigGuestFeature('acpi'),
                  vconfig.LibvirtConfigGuestFeature('apic'),
                  vconfig.LibvirtConfigGuestFeatureTCG(32)]
    g.cpu = vconfig.LibvirtConfigGuestCPU(sockets=2)
    g.clock = vconfig.LibvirtConfigGuestClock()
    g.clock.timers = [vconfig.LibvirtConfigGuestTimer('pit', tickpolicy='delay'),
                      vconfig.LibvirtConfigGuestTimer('hpet', present=False)]
    g.devices = [
        vconfig.LibvirtConfigGuestDisk(source_path='/i/disk', driver_cache='none'),
        vconfig.LibvirtConfigGuestInterface('user', 'fa:16:3e:00:00:01'),
        vconfig.LibvirtConfigGuestInterface('bridge', 'fa:16:3e:00:00:02',
                                            source_dev='br0'),
        vconfig.LibvirtConfigGuestSerial(char_type='pty', log_file='/i/console.log'),
        vconfig.LibvirtConfigGuestConsole(char_type='pty'),
        vconfig.LibvirtConfigMemoryBalloon('virtio', period=10),
    ]
    return g


def test_domain_xml_structure():
    g = _guest()
    root = ET.fromstring(g.to_xml())
    assert root.tag == 'domain' and root.get('type') == 'qemu'
    assert root.findtext('name') == g.name
    assert root.findtext('uuid') == g.uuid
    assert root.findtext('memory') == str(128 * 1024)
    assert root.findtext('vcpu') == '2'
    os_el = root.find('os')
    assert os_el.find('type').text == 'hvm'
    assert os_el.find('type').get('machine') == 'pc'
    assert os_el.findtext('kernel') == '/i/kernel'
    assert os_el.findtext('initrd') == '/i/ramdisk'
    assert os_el.findtext('cmdline') == 'root=/dev/vda console=ttyS0'
    assert os_el.find('smbios').get('mode') == 'sysinfo'
    assert os_el.find('boot') is None
    feats = root.find('features')
    assert feats.find('acpi') is not None and feats.find('apic') is not None
    tb = feats.find('tcg/tb-cache')
    assert tb.text == '32' and tb.get('unit') == 'MiB'
    assert root.find('cpu/topology').get('sockets') == '2'
    assert root.find('clock').get('offset') == 'utc'
    assert root.find("clock/timer[@name='hpet']").get('present') == 'no'
    entries = {e.get('name'): e.text for e in root.findall('sysinfo/system/entry')}
    assert entries['manufacturer'] == 'OpenStack Foundation'
    assert entries['product'] == 'OpenStack Nova'
    assert entries['serial'] == entries['uuid'] == g.uuid
    assert entries['family'] == 'Virtual Machine'


def test_devices_xml():
    root = ET.fromstring(_guest().to_xml())
    disk = root.find('devices/disk')
    assert (disk.get('type'), disk.get('device')) == ('file', 'disk')
    assert disk.find('driver').attrib == {'name': 'qemu', 'type': 'qcow2',
                                          'cache': 'none'}
    assert disk.find('source').get('file') == '/i/disk'
    assert disk.find('target').attrib == {'dev': 'vda', 'bus': 'virtio'}
    user, bridge = root.findall('devices/interface')
    assert user.get('type') == 'user' and user.find('source') is None
    assert user.find('mac').get('address') == 'fa:16:3e:00:00:01'
    assert user.find('model').get('type') == 'virtio'
    assert bridge.find('source').get('bridge') == 'br0'
    serial = root.find('devices/serial')
    assert serial.get('type') == 'pty'
    assert serial.find('log').attrib == {'file': '/i/console.log', 'append': 'off'}
    console = root.find('devices/console')
    assert console.find('target').get('type') == 'serial'
    balloon = root.find('devices/memballoon')
    assert balloon.get('model') == 'virtio'
    assert balloon.find('stats').get('period') == '10'


def test_nova_metadata_namespace():
    root = ET.fromstring(_guest().to_xml())
    inst = root.find('metadata/nova:instance', NS)
    assert inst is not None
    assert inst.find('nova:package', NS).get('version') == '1.2.3'
    assert inst.findtext('nova:name', namespaces=NS) == 'my server'
    assert inst.findtext('nova:creationTime', namespaces=NS) == '2026-11-25 12:00:00'
    flavor = inst.find('nova:flavor', NS)
    assert flavor.get('name') == 'm1.tiny'
    assert flavor.findtext('nova:memory', namespaces=NS) == '128'
    assert flavor.findtext('nova:vcpus', namespaces=NS) == '2'
    user = inst.find('nova:owner/nova:user', NS)
    assert (user.get('uuid'), user.text) == ('u-1', 'alice')
    project = inst.find('nova:owner/nova:project', NS)
    assert (project.get('uuid'), project.text) == ('p-1', 'demo')
    assert inst.find('nova:root', NS).attrib == {'type': 'image', 'uuid': 'img-1'}


def test_file_console_and_boot_dev():
    g = vconfig.LibvirtConfigGuest()
    g.virt_type, g.uuid, g.name = 'kvm', str(uuid.uuid4()), 'x'
    g.os_boot_dev = ['hd']
    g.devices = [vconfig.LibvirtConfigGuestSerial(char_type='file', source_path='/c.log'),
                 vconfig.LibvirtConfigMemoryBalloon('none', period=10)]
    root = ET.fromstring(g.to_xml())
    assert root.get('type') == 'kvm'
    assert root.find('os/boot').get('dev') == 'hd'
    assert root.find('os/kernel') is None
    assert root.find('devices/serial/source').get('path') == '/c.log'
    assert root.find('devices/memballoon').get('model') == 'none'
    assert root.find('devices/memballoon/stats') is None
    assert root.find('metadata') is None


def test_libvirt_accepts_the_xml_and_keeps_nova_metadata():
    """The real libvirt parser (test driver) takes our XML and keeps the
    nova: metadata in its namespace."""
    conn = libvirt.open(TEST_URI)
    g = _guest()
    dom = conn.defineXML(g.to_xml())
    try:
        meta = dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, vconfig.NOVA_NS)
        # found by its namespace URI (libvirt returns it without prefix)
        el = ET.fromstring(meta)
        assert el.tag == 'instance'
        assert el.findtext('name') == 'my server'
        desc = ET.fromstring(dom.XMLDesc(0))
        assert desc.find('metadata/nova:instance', NS) is not None
        assert desc.find('devices/serial/log').get('file') == '/i/console.log'
        assert desc.find('features/tcg/tb-cache').text == '32768'  # KiB
    finally:
        dom.undefine()
        conn.close()
