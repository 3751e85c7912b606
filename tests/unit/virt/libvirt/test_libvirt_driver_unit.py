"""LibvirtDriver against libvirt's built-in test driver (test:///default):
the whole spawn/destroy path with real libvirt calls, no daemon, no QEMU."""
import json
import os
import queue
import subprocess
import threading
import xml.etree.ElementTree as ET

import libvirt
import pytest

from libvirt_testutils import CONF, TEST_URI, VIFS, add_image, image_meta, make_instance
from novalite.compute import power_state
from novalite import exception
from novalite.virt import driver as virt_driver
from novalite.virt.libvirt import driver as libvirt_driver
from novalite.virt.libvirt import imagecache

GiB = 1024 ** 3
NS = {'nova': 'http://openstack.org/xmlns/libvirt/nova/1.1'}


@pytest.fixture
def drv(libvirt_env):
    store = libvirt_env / 'images'
    add_image(store, 'root-img', size=1024 * 1024)
    add_image(store, 'kernel-img', data=b'K' * 1000)
    add_image(store, 'ramdisk-img', data=b'R' * 1000)
    d = libvirt_driver.LibvirtDriver()
    d.init_host(CONF.host)
    yield d
    d.cleanup_host(CONF.host)


def _spawn(drv, inst, meta=None, network_info=None):
    drv.spawn(None, inst, meta or image_meta(), [], None, None,
              network_info=network_info)


def _domain_xml(inst):
    conn = libvirt.open(TEST_URI)
    try:
        return ET.fromstring(conn.lookupByUUIDString(inst.uuid).XMLDesc(0))
    finally:
        conn.close()


def test_uri_default_is_qemu_system(flags):
    flags('connection_uri', '', group='libvirt')
    assert libvirt_driver.LibvirtDriver._uri() == 'qemu:///system'


def test_spawn_defines_starts_and_lays_out_files(drv):
    inst = make_instance()
    _spawn(drv, inst, network_info=VIFS)
    assert drv.get_info(inst) == virt_driver.InstanceInfo(state=power_state.RUNNING)
    assert inst.uuid in drv.list_instance_uuids()

    inst_dir = libvirt_driver.get_instance_path(inst)
    disk = os.path.join(inst_dir, 'disk')
    base = drv.image_cache.base_path('root-img')
    assert imagecache.detect_format(disk) == 'qcow2'
    assert imagecache.backing_file(disk) == base
    assert imagecache.virtual_size(disk) == 1 * GiB        # grown to root_gb
    with open(os.path.join(inst_dir, 'disk.info')) as f:
        assert json.load(f) == {disk: 'qcow2'}
    assert os.path.exists(os.path.join(inst_dir, 'console.log'))

    root = _domain_xml(inst)
    assert root.findtext('name') == inst.name == 'instance-%08x' % inst.id
    assert root.get('type') == 'qemu'
    assert root.find('os/boot').get('dev') == 'hd'
    assert root.find('devices/disk/source').get('file') == disk
    assert [i.get('type') for i in root.findall('devices/interface')] == \
        ['user', 'bridge', 'network']
    assert root.find('features/tcg/tb-cache') is not None
    meta = root.find('metadata/nova:instance', NS)
    assert meta.findtext('nova:name', namespaces=NS) == inst.display_name
    assert meta.find('nova:root', NS).get('uuid') == 'root-img'
    drv.destroy(None, inst)


def test_kvm_xml_and_qcow2_base(drv, flags, libvirt_env):
    flags('virt_type', 'kvm', group='libvirt')
    flags('force_raw_images', False)
    add_image(libvirt_env / 'images', 'q-img', size=1024 * 1024, fmt='qcow2')
    inst = make_instance()
    _spawn(drv, inst, image_meta('q-img', disk_format='qcow2'))
    root = _domain_xml(inst)
    assert root.get('type') == 'kvm'
    assert root.find('features/tcg') is None
    assert root.find('cpu').get('mode') == 'host-model'
    disk = os.path.join(libvirt_driver.get_instance_path(inst), 'disk')
    info = json.loads(subprocess.check_output(
        ['qemu-img', 'info', '-U', '--output=json', disk]))
    assert info['backing-filename'] == drv.image_cache.base_path('q-img')
    assert info['backing-filename-format'] == 'qcow2'
    drv.destroy(None, inst)


def test_ami_style_kernel_ramdisk(drv):
    inst = make_instance(root_gb=0)
    meta = image_meta(disk_format='ami', kernel_id='kernel-img',
                      ramdisk_id='ramdisk-img', os_command_line='panic=-1')
    _spawn(drv, inst, meta)
    inst_dir = libvirt_driver.get_instance_path(inst)
    root = _domain_xml(inst)
    assert root.findtext('os/kernel') == os.path.join(inst_dir, 'kernel')
    assert root.findtext('os/initrd') == os.path.join(inst_dir, 'ramdisk')
    assert root.findtext('os/cmdline') == \
        'root=/dev/vda console=tty0 console=ttyS0 panic=-1'
    assert os.path.realpath(os.path.join(inst_dir, 'kernel')) == \
        drv.image_cache.base_path('kernel-img')
    with open(os.path.join(inst_dir, 'ramdisk'), 'rb') as f:
        assert f.read() == b'R' * 1000
    # root_gb 0: the disk keeps the image's size
    assert imagecache.virtual_size(os.path.join(inst_dir, 'disk')) == 1024 * 1024
    drv.destroy(None, inst)


def test_second_spawn_uses_cache(drv):
    a, b = make_instance(), make_instance()
    _spawn(drv, a)
    _spawn(drv, b)
    assert drv.image_cache.fetch_count == 1
    drv.destroy(None, a)
    drv.destroy(None, b)


def test_flavor_disk_smaller_than_image(drv, libvirt_env, flags):
    flags('force_raw_images', False)      # keep the 2 GiB image a small qcow2
    add_image(libvirt_env / 'images', 'big-img', size=2 * GiB, fmt='qcow2')
    inst = make_instance(root_gb=1)
    with pytest.raises(exception.FlavorDiskSmallerThanImage):
        _spawn(drv, inst, image_meta('big-img', disk_format='qcow2'))
    assert not os.path.exists(libvirt_driver.get_instance_path(inst))


def test_destroy_removes_domain_and_dir_and_is_idempotent(drv):
    inst = make_instance()
    _spawn(drv, inst)
    drv.destroy(None, inst)
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert inst.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(libvirt_driver.get_instance_path(inst))
    drv.destroy(None, inst)            # already gone: still fine


def test_destroy_of_stopped_domain(drv):
    inst = make_instance()
    _spawn(drv, inst)
    conn = libvirt.open(TEST_URI)
    conn.lookupByUUIDString(inst.uuid).destroy()      # behind the driver's back
    conn.close()
    assert drv.get_info(inst).state == power_state.SHUTDOWN
    drv.destroy(None, inst)
    assert inst.uuid not in drv.list_instance_uuids()


def test_get_info_unknown_instance(drv):
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(make_instance())


def test_failed_define_cleans_up_without_touching_others(drv):
    first = make_instance()
    _spawn(drv, first)
    clash = make_instance(id=first.id)      # same name, other uuid
    with pytest.raises(libvirt.libvirtError):
        _spawn(drv, clash)
    assert not os.path.exists(libvirt_driver.get_instance_path(clash))
    assert drv.get_info(first).state == power_state.RUNNING
    drv.destroy(None, first)


def test_bad_vif_fails_spawn_and_cleans_up(drv):
    inst = make_instance()
    with pytest.raises(exception.NovaliteException):
        _spawn(drv, inst, network_info=[{'id': 'p', 'type': 'vhostuser',
                                          'address': 'fa:16:3e:00:00:09'}])
    assert not os.path.exists(libvirt_driver.get_instance_path(inst))
    assert inst.uuid not in drv.list_instance_uuids()


class PausedLaunchDriver(libvirt_driver.LibvirtDriver):
    """Pauses guests right after start, so they never reach RUNNING."""

    def _create_domain(self, xml, pause=False, laps=None):
        guest = super()._create_domain(xml, pause, laps)
        guest.domain.suspend()
        return guest


def test_spawn_timeout_cleans_up(libvirt_env, flags):
    flags('spawn_timeout', 1, group='libvirt')
    add_image(libvirt_env / 'images', 'root-img')
    drv = PausedLaunchDriver()
    inst = make_instance()
    with pytest.raises(exception.InstanceSpawnTimeout):
        _spawn(drv, inst)
    assert inst.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(libvirt_driver.get_instance_path(inst))


def test_lifecycle_events(drv):
    events = queue.Queue()
    drv.register_event_listener(events.put)
    inst = make_instance()
    _spawn(drv, inst)

    def wait_for(transition):
        while True:
            ev = events.get(timeout=10)
            if ev.uuid == inst.uuid and ev.transition == transition:
                return ev
    wait_for(virt_driver.EVENT_LIFECYCLE_STARTED)
    drv.destroy(None, inst)
    wait_for(virt_driver.EVENT_LIFECYCLE_STOPPED)


def test_console_output_tail(drv, flags):
    inst = make_instance()
    _spawn(drv, inst)
    path = os.path.join(libvirt_driver.get_instance_path(inst), 'console.log')
    with open(path, 'wb') as f:
        f.write(b'0123456789' * 10 + b'END')
    flags('console_log_max_bytes', 13, group='libvirt')
    assert drv.get_console_output(None, inst) == b'0123456789END'
    drv.destroy(None, inst)
    with pytest.raises(exception.ConsoleNotAvailable):
        drv.get_console_output(None, inst)


def test_available_resource(drv):
    conn = libvirt.open(TEST_URI)
    info, hostname = conn.getInfo(), conn.getHostname()
    conn.close()
    assert drv.get_available_nodes() == [hostname]
    res = drv.get_available_resource(hostname)
    assert res['vcpus'] == info[2]
    assert res['memory_mb'] == info[1]
    assert res['local_gb'] > 0
    assert res['hypervisor_type'] == 'TEST'
    assert isinstance(res['hypervisor_version'], int)
    assert res['hypervisor_hostname'] == hostname
    cpu = json.loads(res['cpu_info'])
    assert cpu['arch'] == 'i686' and set(cpu['topology']) == \
        {'cells', 'sockets', 'cores', 'threads'}
    assert isinstance(res['supported_instances'], list)


def test_manage_image_cache_keeps_in_use(drv, flags):
    flags('remove_unused_original_minimum_age_seconds', 0, group='image_cache')
    inst = make_instance(image_ref='something-else')
    _spawn(drv, inst)
    base = drv.image_cache.base_path('root-img')
    assert drv.manage_image_cache(None, []) == []     # overlay references it
    drv.destroy(None, inst)
    assert drv.manage_image_cache(None, []) == [base]
    assert not os.path.exists(base)


def test_concurrent_spawns(drv):
    insts = [make_instance() for _ in range(4)]
    errors = []

    def go(i):
        try:
            _spawn(drv, i)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=go, args=(i,)) for i in insts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert drv.image_cache.fetch_count == 1
    for i in insts:
        assert drv.get_info(i).state == power_state.RUNNING
        drv.destroy(None, i)

