"""LibvirtDriver against the real qemu:///system with virt_type=qemu (TCG).

No novalite daemons: the test drives the driver directly, like the compute
manager would.  It boots the tiny busybox guest of tools/build-test-guest.sh
AMI-style (kernel_id/ramdisk_id image properties), waits for the guest's own
marker line on the serial console, proves the image cache is used on a
second boot, and checks destroy and lifecycle events, including a guest
killed behind the driver's back.

Needs libvirtd (tools/setup-libvirt.sh). Locally it is skipped when libvirt
is missing; with CI=true it fails instead.
"""
import datetime
import json
import os
import queue
import shutil
import subprocess
import tempfile
import time
import uuid

import pytest
from oslo_config import cfg

from novalite import conf as nl_conf
from novalite.compute import power_state
from novalite import exception
from novalite.image import download
from novalite.objects.instance import Instance
from novalite.virt import driver as virt_driver
from tests.cloud import wait_for
from tests.functional import libvirt_env

CONF = cfg.CONF
assert nl_conf.CONF is CONF   # importing novalite.conf registers the options
MARKER = libvirt_env.MARKER.encode()
URI = libvirt_env.URI
libvirt = libvirt_env.libvirt
BOOT_DEADLINE = 120        # seconds; a guest shows the marker in ~5 s when idle
MEASUREMENTS = os.path.join(tempfile.gettempdir(), 'novalite-libvirt-measurements.json')

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope='module')
def guest_files():
    return libvirt_env.test_guest_files()


class CountingFetch:
    """The driver's real fetch function (novalite.image.download), counted."""

    def __init__(self):
        self.calls = []

    def __call__(self, context, image_id, dest_path):
        self.calls.append(image_id)
        return download.download(context, image_id, dest_path)


@pytest.fixture
def env(guest_files):
    # QEMU runs as libvirt-qemu: every directory on the way must be searchable,
    # so not pytest's 0700 tmp_path.
    top = libvirt_env.searchable_tmpdir('novalite-libvirt-')
    store = os.path.join(top, 'images')
    os.makedirs(store)
    kernel, initrd = guest_files
    shutil.copy(kernel, os.path.join(store, 'kernel-img'))
    shutil.copy(initrd, os.path.join(store, 'ramdisk-img'))
    subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'raw',
                           os.path.join(store, 'root-img'), '1M'])
    overrides = [('instances_path', os.path.join(top, 'instances'), None),
                 ('store_path', store, 'image'),
                 ('glance_endpoint', None, 'image'),
                 ('virt_type', 'qemu', 'libvirt'),
                 ('connection_uri', URI, 'libvirt'),
                 ('tb_cache_mb', 32, 'libvirt'),
                 ('spawn_timeout', 60, 'libvirt')]
    for name, value, group in overrides:
        CONF.set_override(name, value, group=group)

    from novalite.virt.libvirt import driver as libvirt_driver
    drv = libvirt_driver.LibvirtDriver()
    drv._fetch = fetch = CountingFetch()
    events = queue.Queue()
    drv.register_event_listener(events.put)
    drv.init_host(CONF.host)
    spawned = []
    yield drv, fetch, events, spawned
    for inst in spawned:
        try:
            drv.destroy(None, inst)
        except Exception:  # noqa: BLE001 - best effort
            pass
    drv.cleanup_host(CONF.host)
    for name, _value, group in overrides:
        CONF.clear_override(name, group=group)
    shutil.rmtree(top, ignore_errors=True)


def _instance(n):
    iid = (os.getpid() << 8 | n) & 0x7fffffff
    return Instance(uuid=str(uuid.uuid4()), id=iid, display_name='functional-%d' % n,
                    memory_mb=128, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
                    flavor={'flavorid': '1', 'name': 'm1.nano', 'memory_mb': 128,
                            'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0},
                    image_ref='root-img', kernel_id='kernel-img', ramdisk_id='ramdisk-img',
                    project_id='proj', user_id='user', host=CONF.host,
                    created_at=datetime.datetime.utcnow(), metadata={}, network_info=[])


IMAGE_META = {'id': 'root-img', 'name': 'busybox-ami', 'disk_format': 'ami',
              'container_format': 'ami', 'size': 1048576, 'checksum': None,
              'min_ram': 0, 'min_disk': 0, 'status': 'active',
              'properties': {'kernel_id': 'kernel-img', 'ramdisk_id': 'ramdisk-img',
                             'os_command_line': 'panic=-1'}}
USER_VIF = {'id': str(uuid.uuid4()), 'address': 'fa:16:3e:12:34:56', 'type': 'user',
            'bridge': None, 'network_name': None,
            'network': {'label': 'private', 'subnets': [{'cidr': '10.0.2.0/24', 'ips': [
                {'address': '10.0.2.15', 'type': 'fixed', 'version': 4}]}]}}


def _spawn_and_boot(drv, spawned, inst, network_info=None):
    """spawn(); returns (seconds to RUNNING, seconds to the marker line)."""
    t0 = time.monotonic()
    drv.spawn(None, inst, IMAGE_META, [], None, None, network_info=network_info or [])
    spawned.append(inst)
    t_running = time.monotonic() - t0
    assert drv.get_info(inst).state == power_state.RUNNING
    deadline = t0 + BOOT_DEADLINE
    while MARKER not in drv.get_console_output(None, inst):
        assert time.monotonic() < deadline, (
            'no %s on the console within %ss; console tail: %r' % (
                MARKER, BOOT_DEADLINE, drv.get_console_output(None, inst)[-500:]))
        time.sleep(0.2)   # polling interval of the condition loop
    return t_running, time.monotonic() - t0


def _assert_gone(drv, inst):
    conn = libvirt.open(URI)
    try:
        with pytest.raises(libvirt.libvirtError) as ei:
            conn.lookupByUUIDString(inst.uuid)
        assert ei.value.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN
    finally:
        conn.close()
    with pytest.raises(exception.InstanceNotFound):
        drv.get_info(inst)
    assert inst.uuid not in drv.list_instance_uuids()
    assert not os.path.exists(os.path.join(CONF.instances_path, inst.uuid))


def _wait_event(events, uuid_, transition, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, 'no lifecycle event %s for %s' % (transition, uuid_)
        try:
            ev = events.get(timeout=remaining)
        except queue.Empty:
            continue
        if ev.uuid == uuid_ and ev.transition == transition:
            return ev


def test_boot_cache_and_destroy(env):
    drv, fetch, events, spawned = env
    assert ['x86_64', 'qemu', 'hvm'] in \
        drv.get_available_resource(drv.get_available_nodes()[0])['supported_instances']

    first = _instance(1)
    first_running, first_marker = _spawn_and_boot(drv, spawned, first, [USER_VIF])
    _wait_event(events, first.uuid, virt_driver.EVENT_LIFECYCLE_STARTED)
    assert sorted(fetch.calls) == ['kernel-img', 'ramdisk-img', 'root-img']
    base = drv.image_cache.base_path('root-img')
    base_inode = os.stat(base).st_ino

    xml = drv._host.get_guest(first).get_xml_desc()
    assert "<tb-cache unit='KiB'>32768</tb-cache>" in xml
    assert "<interface type='user'>" in xml
    rss_first = libvirt_env.qemu_rss_mib(first.uuid)

    second = _instance(2)
    second_running, second_marker = _spawn_and_boot(drv, spawned, second)
    # the cache was used: no new download, the same base file
    assert sorted(fetch.calls) == ['kernel-img', 'ramdisk-img', 'root-img']
    assert os.stat(base).st_ino == base_inode
    rss_second = libvirt_env.qemu_rss_mib(second.uuid)
    assert rss_first < 400 and rss_second < 400, (rss_first, rss_second)

    for inst in (first, second):
        drv.destroy(None, inst)
        _assert_gone(drv, inst)
    _wait_event(events, second.uuid, virt_driver.EVENT_LIFECYCLE_STOPPED)
    assert os.path.exists(base)        # the cache outlives its instances

    figures = {'first_spawn_to_running_s': round(first_running, 2),
               'first_spawn_to_marker_s': round(first_marker, 2),
               'second_spawn_to_running_s': round(second_running, 2),
               'second_spawn_to_marker_s': round(second_marker, 2),
               'qemu_rss_mib': [round(rss_first, 1), round(rss_second, 1)]}
    with open(MEASUREMENTS, 'w') as f:
        json.dump(figures, f, indent=1)
    print('\nlibvirt functional figures: %s' % json.dumps(figures))


def test_guest_killed_behind_our_back(env):
    drv, _fetch, events, spawned = env
    inst = _instance(3)
    _spawn_and_boot(drv, spawned, inst)
    _wait_event(events, inst.uuid, virt_driver.EVENT_LIFECYCLE_STARTED)

    subprocess.run(['virsh', '-c', URI, 'destroy', inst.uuid], check=True,
                   capture_output=True)
    _wait_event(events, inst.uuid, virt_driver.EVENT_LIFECYCLE_STOPPED)
    assert drv.get_info(inst).state == power_state.SHUTDOWN

    drv.destroy(None, inst)
    _assert_gone(drv, inst)


def test_bridge_vif_gets_its_lease_and_answers_ping(env):
    """A hand-made bridge VIF through the driver and the real host
    networking: the guest's udhcpc gets the port's address from dnsmasq on
    the network's bridge, the host pings it; destroy takes the tap, the
    bridge, dnsmasq and the lease away."""
    from novalite.network.linux import bridge, dnsmasq, host, icmp
    from tests.functional import net_env
    net_env.require_host_networking()
    drv, _fetch, _events, spawned = env
    # dnsmasq drops root: its files must be reachable (not pytest's 0700 tmp_path)
    drv.host_network = host.HostNetwork(os.path.join(os.path.dirname(CONF.instances_path),
                                                     'networks'))
    net_id, cidr = str(uuid.uuid4()), net_env.free_subnet()
    vif = net_env.vif(net_id, cidr, 7, mtu=1400, dns=[str(cidr[1])])
    address = net_env.fixed_ip(vif)
    inst = _instance(4)
    try:
        t0 = time.monotonic()
        _spawn_and_boot(drv, spawned, inst, [vif])
        xml = drv._host.get_guest(inst).get_xml_desc()
        assert "<source bridge='brq%s'/>" % net_id[:11] in xml
        assert "<target dev='%s'/>" % vif['devname'] in xml
        assert "<mtu size='1400'/>" in xml
        assert bridge.ports('brq' + net_id[:11]) == [vif['devname']]

        def lease_line():
            out = drv.get_console_output(None, inst).decode(errors='replace')
            return [line for line in out.splitlines() if 'NOVALITE-GUEST-IP' in line]
        try:
            [line] = wait_for(lease_line, BOOT_DEADLINE, interval=0.2,
                              what='the DHCP lease line')
        except AssertionError:
            raise AssertionError('no lease; console tail: %s' % drv.get_console_output(
                None, inst).decode(errors='replace')[-1500:]) from None
        t_lease = time.monotonic() - t0
        assert line.split()[1] == '%s/24' % address
        assert 'router=%s dns=%s mtu=1400' % (cidr[1], cidr[1]) in line
        rtt = icmp.wait_for_ping(address, 30)
        assert rtt is not None, 'the guest did not answer the host\'s ping'
        dhcp = drv.host_network._network(net_id).dhcp
        assert (vif['address'], address) in dhcp.leases()
        print('\nbridge VIF: lease after %.1f s (%s), ping rtt %.1f ms'
              % (t_lease, line.strip(), rtt * 1000))
    finally:
        drv.destroy(None, inst, [vif])
    _assert_gone(drv, inst)
    assert not bridge.exists('brq' + net_id[:11])
    assert dnsmasq.running(drv.host_network.root) == {}
    assert not os.path.exists(os.path.join(drv.host_network.root, net_id))



# -- ports the network service reports DOWN (a real Neutron) ----------------------------
def _waiting_vif():
    return dict(USER_VIF, id=str(uuid.uuid4()), active=False)


def _state(inst):
    conn = libvirt.open(URI)
    try:
        return conn.lookupByUUIDString(inst.uuid).state()[0]
    except libvirt.libvirtError:
        return None
    finally:
        conn.close()


def test_guest_starts_paused_until_its_port_is_reported_plugged(env):
    """Nova's _create_guest_with_network: the guest is started paused, and
    resumed only once network-vif-plugged arrived for its port."""
    import threading
    from novalite.compute import instance_events
    drv, _fetch, _events, spawned = env
    drv.virtapi = events = instance_events.InstanceEvents()
    inst, vif = _instance(40), _waiting_vif()
    seen = []

    def neutron():
        wait_for(lambda: _state(inst) == libvirt.VIR_DOMAIN_PAUSED, timeout=60,
                 what='the guest started paused')
        seen.append(_state(inst))
        assert events.pop(inst.uuid, 'network-vif-plugged', vif['id'])
    t = threading.Thread(target=neutron)
    t.start()
    drv.spawn(None, inst, IMAGE_META, [], None, None, network_info=[vif])
    spawned.append(inst)
    t.join()
    assert seen == [libvirt.VIR_DOMAIN_PAUSED]
    assert _state(inst) == libvirt.VIR_DOMAIN_RUNNING


def test_port_never_plugged_is_a_fault_naming_it_and_cleans_up(env):
    from novalite.compute import instance_events
    drv, _fetch, _events, spawned = env
    CONF.set_override('vif_plugging_timeout', 1)
    try:
        drv.virtapi = instance_events.InstanceEvents()
        inst, vif = _instance(41), _waiting_vif()
        with pytest.raises(exception.VirtualInterfaceCreateException) as e:
            drv.spawn(None, inst, IMAGE_META, [], None, None, network_info=[vif])
        assert 'timed out after 1 s waiting for network-vif-plugged for port %s' % vif['id'] \
            in e.value.format_message()
        assert _state(inst) is None
        # not fatal: resumed anyway
        CONF.set_override('vif_plugging_is_fatal', False)
        inst = _instance(42)
        drv.spawn(None, inst, IMAGE_META, [], None, None, network_info=[_waiting_vif()])
        spawned.append(inst)
        assert _state(inst) == libvirt.VIR_DOMAIN_RUNNING
    finally:
        CONF.clear_override('vif_plugging_timeout')
        CONF.clear_override('vif_plugging_is_fatal')
