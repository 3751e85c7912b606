"""novalite-all: every service in one process, on embedded defaults.

SQLite under the state path; RabbitMQ on localhost when it answers, else the
in-process transport; the compute driver from ``compute_driver``; noauth2.
With ``--demo`` it creates a flavor and an image, boots a server with a real
HTTP request, prints it ACTIVE, and leaves the API running.
"""
import json
import logging
import os
import re
import sys
import threading
import time
import urllib.request
import uuid

from oslo_config import cfg

from novalite.cmd import api as api_cmd
from novalite.cmd import common
from novalite.cmd import compute as compute_cmd
from novalite.cmd import conductor as conductor_cmd
from novalite.cmd import scheduler as scheduler_cmd
from novalite import context as nl_context
from novalite.db import catalog as db_catalog
from novalite.db import migration
from novalite import exception
from novalite.image import api as image_api
from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

cli_opts = [cfg.BoolOpt('demo', default=False,
                        help='Create a flavor and an image, boot a demo server and '
                             'print it ACTIVE.')]

DEMO_PROJECT = uuid.uuid5(uuid.NAMESPACE_DNS, 'demo.novalite').hex


def _ensure_demo_catalog():
    ctx = nl_context.get_admin_context()
    try:
        flavor = db_catalog.flavor_get_by_flavor_id('1')
    except exception.FlavorNotFound:
        flavor = db_catalog.flavor_create({'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 128,
                                           'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0,
                                           'swap': 0})
    images = image_api.get_all(ctx, {'name': 'demo-image'})
    if images:
        return flavor, images[0]
    path = os.path.join(CONF.state_path, 'demo-image.raw')
    with open(path, 'wb') as f:
        f.truncate(1024 * 1024)
    return flavor, image_api.import_file(ctx, 'demo-image', path)


def _http(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=json.dumps(body).encode()
                                 if body is not None else None,
                                 headers={'X-Auth-Token': 'admin:%s' % DEMO_PROJECT,
                                          'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return resp.status, json.loads(resp.read() or b'null')


def run_demo(base):
    flavor, image = _ensure_demo_catalog()
    url = '%s/v2.1/%s/servers' % (base, DEMO_PROJECT)
    t0 = time.monotonic()
    status, body = _http('POST', url, {'server': {'name': 'demo', 'imageRef': image['id'],
                                                  'flavorRef': flavor['flavorid'],
                                                  'networks': 'none'}})
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


def main(argv=None):
    CONF.register_cli_opts(cli_opts)
    common.parse_args(argv or sys.argv)
    os.makedirs(CONF.state_path, exist_ok=True)
    migration.db_sync()
    rpc.init(allow_in_process=True)
    services = [conductor_cmd.make_service(), scheduler_cmd.make_service(),
                compute_cmd.make_service()]
    for svc in services:
        svc.start()
    server = api_cmd.make_server()
    server.prepare()
    threading.Thread(target=server.serve, name='api', daemon=True).start()
    base = 'http://%s:%s' % (CONF.osapi_compute_listen, server.bind_addr[1])
    if CONF.demo:
        run_demo(base)
    print('\nnovalite is running: API on %s (transport %s, driver %s, auth %s)'
          % (base, re.sub(r'//[^@/]*@', '//***@', rpc.TRANSPORT_URL), CONF.compute_driver,
             CONF.api.auth_strategy))
    print("Try:  curl -s -H 'X-Auth-Token: admin:%s' %s/v2.1/%s/servers/detail"
          % (DEMO_PROJECT, base, DEMO_PROJECT))
    print('Stop: press Ctrl-C (or kill %d)' % os.getpid())
    sys.stdout.flush()
    common.run_until_signalled([server.stop] + [s.stop for s in services] + [rpc.cleanup])
