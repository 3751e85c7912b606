"""The whole path with a real guest: novalite-api → conductor → scheduler →
compute running the libvirt driver on qemu:///system (TCG).

One guest serves every check of a successful boot (no NIC: guests on real
bridges with DHCP are the network whole-path test's; the guest's own marker line through os-getConsoleOutput, delete
cleaning domain, directory and claim); one more server whose kernel QEMU
refuses goes to ERROR with everything cleaned up (a reschedule), one whose image
lies about its format is aborted, and a guest destroyed behind novalite's back
shows SHUTOFF.  The guest is the busybox
initramfs of tools/build-test-guest.sh, imported AMI-style.
"""
import os
import shutil

import pytest

from tests.cloud import private_cloud, wait_for
from tests.functional import libvirt_env
from tests.tempest_schemas import check

pytestmark = [pytest.mark.xdist_group('test_libvirt_whole_path'), pytest.mark.timeout(600)]

COMPUTE = 'lvcompute'
RESERVED_MB = 512       # reserved_host_memory_mb: node usage with no claims
IDLE = (0, RESERVED_MB, 0, 0)
# the image cache periodic every second, unused bases removed at once
IMAGE_CACHE = ('[image_cache]\nmanager_interval = 1\n'
               'remove_unused_original_minimum_age_seconds = 0\n')


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    kernel, initrd = libvirt_env.test_guest_files()
    top = libvirt_env.searchable_tmpdir('novalite-wholepath-')
    instances = os.path.join(top, 'instances')
    try:
        with private_cloud(tmp_path_factory.mktemp('lvcloud'), computes=(COMPUTE,),
                           compute_conf={COMPUTE: libvirt_env.compute_conf(instances)
                                         + IMAGE_CACHE}) as c:
            c.instances_path = instances
            c.start()
            c.manage('flavor', 'create', '--id', 'nano', '--ram', '128', '--vcpus', '1',
                     '--disk', '1', 'm1.nano')
            c.image_id = libvirt_env.import_guest(c, kernel, initrd)
            yield c
    finally:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(autouse=True)
def no_servers_left(cloud):
    """A test that fails half-way leaves no server behind: the next test's
    'claim released' checks look at the whole host."""
    yield
    left = cloud.request('GET', cloud.servers_path()).json['servers']
    for server in left:
        cloud.request('DELETE', cloud.servers_path('/' + server['id']))
    for server in left:
        cloud.wait_gone(server['id'], timeout=180)


def _console(c, server_id, body):
    return c.request('POST', c.servers_path('/%s/action' % server_id),
                     {'os-getConsoleOutput': body})


def _assert_cleaned(c, server_id):
    assert libvirt_env.domain_xml(server_id) is None
    assert not os.path.exists(os.path.join(c.instances_path, server_id))
    wait_for(lambda: c.node_usage(COMPUTE) == IDLE, 90, what='claim released')


def test_real_guest_boots_prints_marker_and_is_deleted(cloud):
    c = cloud
    # the capacity comes from libvirt (this host), not from [fake_driver]
    vcpus, memory_mb, hv_type = c.query(
        'SELECT vcpus, memory_mb, hypervisor_type FROM compute_nodes WHERE host = :h',
        h=COMPUTE)[0]
    assert (vcpus, hv_type) == (os.cpu_count(), 'QEMU')
    assert abs(memory_mb - _host_memory_mb()) < 1024 and memory_mb != 16384

    r = c.boot('guest', flavor='nano', networks='none')
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = c.wait_status(sid, timeout=180)
    assert server['status'] == 'ACTIVE', server.get('fault')
    assert server['OS-EXT-STS:power_state'] == 1
    assert c.node_usage(COMPUTE) == (1, RESERVED_MB + 128, 1, 1)

    # networks none: no NIC and no addresses
    xml = libvirt_env.domain_xml(sid)
    assert '<interface' not in xml and server['addresses'] == {}
    assert "<kernel>%s/kernel</kernel>" % os.path.join(c.instances_path, sid) in xml

    # the guest's own init prints the marker on its serial console
    def marker():
        resp = _console(c, sid, {'length': 50})
        assert resp.status == 200, resp.raw
        return resp if libvirt_env.MARKER in resp.json['output'] else None
    resp = wait_for(marker, 300, interval=0.5, what='the marker on the console')
    check('servers_client.ServersClient', 'get_console_output', '2.1', resp)
    assert len(resp.json['output'].splitlines()) <= 50
    whole = _console(c, sid, {}).json['output']
    assert whole.startswith(_console(c, sid, {'length': None}).json['output'][:200])
    assert len(whole.splitlines()) > 50          # the kernel's boot log and the marker
    assert _console(c, sid, {'length': 1}).json['output'].count('\n') == 0
    for bad in (-2, 'abc', 1.5):
        assert _console(c, sid, {'length': bad}).status == 400, bad

    instance_dir = os.path.join(c.instances_path, sid)
    assert os.path.exists(os.path.join(instance_dir, 'disk'))
    # the image cache periodic ran while the guest lives and kept its bases
    # (root, kernel, ramdisk)
    base_dir = os.path.join(c.instances_path, '_base')
    wait_for(lambda: 'Image cache manager pass: 1 instances' in c.log_text(COMPUTE), 30,
             what='an image cache manager pass')
    assert len(os.listdir(base_dir)) == 3
    assert 'Removing unused base file' not in c.log_text(COMPUTE)
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid, timeout=180)
    _assert_cleaned(c, sid)
    # and once no instance uses them, the periodic removes them
    wait_for(lambda: not [f for f in os.listdir(base_dir) if not f.startswith('.')], 30,
             what='unused bases removed')
    assert c.log_text(COMPUTE).count('Removing unused base file') == 3


def test_guest_qemu_refuses_ends_in_error_cleaned_up(cloud):
    """A kernel QEMU cannot load: createWithFlags fails, the spawn error is a
    reschedule, the only host is already tried, so the server ends in ERROR
    with a fault naming the host and its error; the domain, its directory and
    the claim are gone."""
    c = cloud
    bogus = c.tmp / 'not-a-kernel'
    bogus.write_text('not a kernel')
    kernel_id = c.manage('image', 'import', '--disk-format', 'aki', 'bad-kernel', str(bogus))
    root = c.tmp / 'bad-root.img'
    root.write_bytes(b'\0' * 65536)
    image_id = c.manage('image', 'import', '--disk-format', 'ami', '--property',
                        'kernel_id=%s' % kernel_id, 'unbootable', str(root))
    r = c.boot('doomed', flavor='nano', image=image_id)
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = c.wait_status(sid, ('ERROR',), timeout=180)
    message = server['fault']['message']
    assert message.startswith(
        'Exhausted all hosts available for retrying build failures for instance %s. '
        'Hosts tried: %s: libvirtError: ' % (sid, COMPUTE)), message
    _assert_cleaned(c, sid)
    assert 'invalid kernel header' in c.log_text(COMPUTE)
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid)


def _host_memory_mb():
    conn = libvirt_env.libvirt.open(libvirt_env.URI)
    try:
        return conn.getInfo()[1]
    finally:
        conn.close()


def test_guest_that_dies_shows_shutoff(cloud):
    """A guest killed behind novalite's back (here: destroyed through libvirt)
    emits a lifecycle event; the compute turns the server SHUTOFF, not ACTIVE
    forever, and it still deletes cleanly."""
    c = cloud
    r = c.boot('dies', flavor='nano')
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    assert c.wait_status(sid, ('ACTIVE',), timeout=180)['OS-EXT-STS:power_state'] == 1
    conn = libvirt_env.libvirt.open(libvirt_env.URI)
    try:
        conn.lookupByUUIDString(sid).destroy()
    finally:
        conn.close()
    server = c.wait_status(sid, ('SHUTOFF',), timeout=30)
    assert (server['OS-EXT-STS:vm_state'], server['OS-EXT-STS:power_state']) == ('stopped', 4)
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid, timeout=180)
    _assert_cleaned(c, sid)


def test_bad_image_is_an_abort_not_a_reschedule(cloud):
    """An image whose data is not what it claims (declared qcow2, really raw) is
    unacceptable: Nova aborts the build instead of rescheduling it; the server is
    ERROR with the reason and nothing is left behind."""
    c = cloud
    fake = c.tmp / 'fake-qcow2.img'
    fake.write_bytes(b'\0' * 65536)
    image_id = c.manage('image', 'import', '--disk-format', 'qcow2', 'lying-image', str(fake))
    r = c.boot('bad-image', flavor='nano', image=image_id)
    assert r.status == 202, r.raw
    sid = r.json['server']['id']
    server = c.wait_status(sid, ('ERROR',), timeout=180)
    message = server['fault']['message']
    assert message.startswith('Build of instance %s aborted: Image %s is unacceptable'
                              % (sid, image_id)), message
    assert 'Rescheduling %s' % sid not in c.log_text(COMPUTE)
    _assert_cleaned(c, sid)
    assert c.request('DELETE', c.servers_path('/' + sid)).status == 204
    c.wait_gone(sid)
