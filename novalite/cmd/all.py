"""novalite-all: every service in one process, on embedded defaults.

SQLite under the state path; RabbitMQ on localhost when it answers, else the
in-process transport; noauth2.  The compute driver is ``compute_driver`` when
configured, else libvirt when ``[libvirt] connection_uri`` (qemu:///system)
answers (``kvm`` when /dev/kvm is usable, else ``qemu``/TCG), else the fake
driver.  With ``--demo`` it creates a flavor, an image and a default network
(``demo-net``: an isolated subnet 10.233.0.0/24 whose gateway sits on the
host's bridge, masqueraded out), boots a server on it with a real HTTP
request and prints it ACTIVE with its address; on libvirt the image is the
busybox test guest of tools/build-test-guest.sh, and the demo prints the
marker line and the DHCP lease line the guest writes on its serial console,
then pings the guest from the host.  The API keeps running.
"""
import json
import logging
import os
import re
import subprocess
import sys
import threading
import time
import urllib.request

from oslo_config import cfg

from novalite.api.identity import clouds
from novalite.api.identity import resources as identity_resources
from novalite.cmd import api as api_cmd
from novalite.cmd import common
from novalite.cmd import compute as compute_cmd
from novalite.cmd import conductor as conductor_cmd
from novalite.cmd import scheduler as scheduler_cmd
from novalite import config
from novalite import context as nl_context
from novalite.db import catalog as db_catalog
from novalite.db import migration
from novalite import exception
from novalite.image import api as image_api
from novalite import rpc
from novalite import service
from novalite.virt.libvirt import detect

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

cli_opts = [cfg.BoolOpt('demo', default=False,
                        help='Create a flavor and an image, boot a demo server and '
                             'print it ACTIVE.')]

ALL_BINARIES = ('novalite-api', 'novalite-conductor', 'novalite-scheduler',
                'novalite-compute')
# the demo server belongs to project "admin", where clouds.yaml's admin logs in
DEMO_PROJECT = identity_resources.hex_id('admin')
GUEST_MARKER = 'NOVALITE-GUEST-BOOTED'
GUEST_LEASE = re.compile(r'NOVALITE-GUEST-IP (\S+)/')
DEMO_NETWORK, DEMO_CIDR, DEMO_GATEWAY = 'demo-net', '10.233.0.0/24', '10.233.0.1'
BUILD_GUEST = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'tools', 'build-test-guest.sh')


def _configured(name, group=None):
    loc = CONF.get_location(name, group)
    return loc is not None and loc.location != cfg.Locations.opt_default


def choose_compute_driver():
    """The embedded default driver; returns the sentence saying which."""
    if _configured('compute_driver'):
        return '%s (configured)' % CONF.compute_driver
    uri = CONF.libvirt.connection_uri or 'qemu:///system'
    answers, detail = detect.libvirt_answers(uri)
    if not answers:
        CONF.set_override('compute_driver', 'fake')
        return 'fake (%s does not answer: %s)' % (uri, detail)
    CONF.set_override('compute_driver', 'libvirt')
    _choose_instances_path()
    if _configured('virt_type', 'libvirt'):
        why = 'configured'
    else:
        kvm, why = detect.kvm_usable()
        CONF.set_override('virt_type', 'kvm' if kvm else 'qemu', 'libvirt')
    return 'libvirt (%s on %s, %s; virt_type %s: %s)' % (
        uri, detail, 'KVM' if CONF.libvirt.virt_type == 'kvm' else 'QEMU TCG',
        CONF.libvirt.virt_type, why)


def _choose_instances_path():
    """The embedded default instances path must be one QEMU can reach: a
    checkout in a private directory (under /root, a mktemp dir) is not."""
    if _configured('instances_path'):
        return
    path, why = detect.reachable_instances_path(CONF.instances_path)
    if path is None:
        print('Instances path %s: %s, and no fallback could be created; guests '
              'will fail to start (set [DEFAULT] instances_path)' % (CONF.instances_path, why))
    elif path != CONF.instances_path:
        print('Instances path: %s (%s)' % (path, why))
        CONF.set_override('instances_path', path)


def _ensure_demo_catalog():
    ctx = nl_context.get_admin_context()
    try:
        flavor = db_catalog.flavor_get_by_flavor_id('1')
    except exception.FlavorNotFound:
        flavor = db_catalog.flavor_create({'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 128,
                                           'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
                                           'swap': 0})
    guest = _build_test_guest() if CONF.compute_driver == 'libvirt' else None
    name = 'demo-guest' if guest else 'demo-image'
    images = image_api.get_all(ctx, {'name': name})
    if images:
        return flavor, images[0]
    path = os.path.join(CONF.state_path, name + '.raw')
    with open(path, 'wb') as f:
        f.truncate(1024 * 1024)
    props = None
    if guest:
        # AMI style: kernel and ramdisk are images of their own
        kernel = image_api.import_file(ctx, 'demo-guest-kernel', guest[0], disk_format='aki')
        ramdisk = image_api.import_file(ctx, 'demo-guest-ramdisk', guest[1],
                                        disk_format='ari')
        props = {'kernel_id': kernel['id'], 'ramdisk_id': ramdisk['id'],
                 'os_command_line': 'panic=-1'}
    return flavor, image_api.import_file(ctx, name, path, properties=props,
                                         disk_format='ami' if guest else None)


def _build_test_guest():
    """(vmlinuz, initrd.gz) of the busybox test guest, or None."""
    outdir = os.path.join(CONF.state_path, 'test-guest')
    if not os.path.exists(BUILD_GUEST):
        print('No %s: the demo boots an empty disk' % BUILD_GUEST)
        return None
    print('Building the test guest in %s (tools/build-test-guest.sh)' % outdir)
    proc = subprocess.run([BUILD_GUEST, outdir], capture_output=True, text=True)
    if proc.returncode != 0:
        print('Building the test guest failed; the demo boots an empty disk:\n%s'
              % proc.stderr)
        return None
    return os.path.join(outdir, 'vmlinuz'), os.path.join(outdir, 'initrd.gz')


def _http(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode()
                                 if body is not None else None,
                                 headers={'X-Auth-Token': 'admin:%s' % DEMO_PROJECT,
                                          'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read() or b'null')


def _ensure_demo_network(base):
    """The demo's network through the embedded /network service; its id."""
    url = '%s/network/v2.0' % base
    _s, body = _http('GET', '%s/networks?name=%s' % (url, DEMO_NETWORK))
    if body['networks']:
        return body['networks'][0]['id']
    _s, body = _http('POST', url + '/networks', {'network': {'name': DEMO_NETWORK}})
    net_id = body['network']['id']
    _http('POST', url + '/subnets', {'subnet': {
        'network_id': net_id, 'name': DEMO_NETWORK + '-subnet', 'ip_version': 4,
        'cidr': DEMO_CIDR, 'gateway_ip': DEMO_GATEWAY}})
    print('Created network %s (%s, gateway %s on the host, masquerade %s)'
          % (DEMO_NETWORK, DEMO_CIDR, DEMO_GATEWAY, CONF.network.masquerade))
    return net_id


def run_demo(base):
    flavor, image = _ensure_demo_catalog()
    net_id = _ensure_demo_network(base)
    url = '%s/v2.1/%s/servers' % (base, DEMO_PROJECT)
    t0 = time.monotonic()
    status, body = _http('POST', url, {'server': {'name': 'demo', 'imageRef': image['id'],
                                                  'flavorRef': flavor['flavorid'],
                                                  'networks': [{'uuid': net_id}]}})
    server_id = body['server']['id']
    print('POST %s -> %d, server %s' % (url, status, server_id))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        _s, body = _http('GET', '%s/%s' % (url, server_id))
        if body['server']['status'] in ('ACTIVE', 'ERROR'):
            break
        time.sleep(0.1)
    server = body['server']
    print('Server %s is %s on %s after %.2f s' % (server_id, server['status'],
                                                  server.get('OS-EXT-SRV-ATTR:host'),
                                                  time.monotonic() - t0))
    if server.get('fault'):
        print('Fault: %s' % server['fault']['message'])
        return server
    for label, ips in server.get('addresses', {}).items():
        print('Addresses on %s: %s' % (label, ', '.join(ip['addr'] for ip in ips)))
    if (image.get('properties') or {}).get('kernel_id'):
        _print_console('%s/%s/action' % (url, server_id), t0)
    return server


def _print_console(action_url, t0):
    """Wait for the guest's marker and DHCP lease lines on its console,
    print them, and ping the leased address from the host."""
    deadline, seen = time.monotonic() + 240, set()
    while time.monotonic() < deadline:
        _s, body = _http('POST', action_url, {'os-getConsoleOutput': {'length': 50}})
        for line in body['output'].splitlines():
            for key in (GUEST_MARKER, 'NOVALITE-GUEST-IP'):
                if key in line and key not in seen:
                    seen.add(key)
                    print('The guest printed on its serial console after %.2f s: %s'
                          % (time.monotonic() - t0, line.strip()))
                    lease = GUEST_LEASE.search(line)
                    if lease:
                        _ping(lease.group(1))
                        return
        time.sleep(0.5)
    print('No DHCP lease line on the guest console within 240 s')


def _ping(address):
    from novalite.network.linux import icmp
    try:
        rtt = icmp.wait_for_ping(address, 30)
    except OSError as e:       # a raw socket needs root (CAP_NET_RAW)
        print('Could not ping %s from the host: %s' % (address, e))
        return
    if rtt is None:
        print('The host pinged %s: no answer within 30 s' % address)
    else:
        print('The host pinged %s: it answered in %.1f ms' % (address, rtt * 1000))


def main(argv=None):
    CONF.register_cli_opts(cli_opts)
    config.parse_args(argv or sys.argv)
    os.makedirs(CONF.state_path, exist_ok=True)
    driver = choose_compute_driver()
    print('Compute driver: %s' % driver)
    migration.db_sync()
    # first start: every service of this process is enrolled, keys under state_path
    rpc.init(allow_in_process=True, identities=ALL_BINARIES, enrol_missing=True)
    services = (conductor_cmd.make_service(), scheduler_cmd.make_service(),
                compute_cmd.make_service())
    api = api_cmd.WSGIService()
    common.freeze_startup_objects()
    launcher = service.ServiceLauncher(CONF)
    for svc in services:
        launcher.launch_service(svc)
    launcher.launch_service(api)      # stopped first: no new requests, then drain
    launcher.install_signal_handlers()
    base = 'http://%s:%s' % (CONF.osapi_compute_listen, api.port)
    # the demo runs beside the launcher, so Ctrl-C/SIGTERM stop it at any time
    threading.Thread(target=_demo_and_banner, args=(base, driver), name='demo',
                     daemon=True).start()
    sys.exit(launcher.wait(on_stop=[rpc.cleanup]))


def _demo_and_banner(base, driver):
    if CONF.demo:
        run_demo(base)
    print('\nnovalite is running: API on %s (transport %s, driver %s, auth %s)'
          % (base, re.sub(r'//[^@/]*@', '//***@', rpc.TRANSPORT_URL), driver,
             CONF.api.auth_strategy))
    print("Try:  curl -s -H 'X-Auth-Token: admin:%s' %s/v2.1/%s/servers/detail"
          % (DEMO_PROJECT, base, DEMO_PROJECT))
    if CONF.api.auth_strategy == 'noauth2':
        path = clouds.write(CONF.state_path, CONF.api.public_endpoint or base)
        print('Or:   OS_CLIENT_CONFIG_FILE=%s %s --os-cloud novalite server list'
              % (path, clouds.openstack_cli()))
    print('Stop: press Ctrl-C (or kill %d)' % os.getpid())
    sys.stdout.flush()
