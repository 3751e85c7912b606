"""Shared helpers of the libvirt driver unit tests (test:///default only:
libvirt's built-in test driver, no daemon, never a mock of libvirt)."""
import datetime
import os
import random
import subprocess
import uuid

from novalite import conf as nl_conf  # importing it registers the options
from novalite.objects.instance import Instance

CONF = nl_conf.CONF
TEST_URI = 'test:///default'


class Overrides:
    def __init__(self):
        self._set = []

    def __call__(self, name, value, group=None):
        CONF.set_override(name, value, group=group)
        self._set.append((name, group))

    def clear(self):
        for name, group in reversed(self._set):
            CONF.clear_override(name, group=group)


def add_image(store, image_id, data=None, size=1024 * 1024, fmt='raw'):
    path = os.path.join(str(store), image_id)
    if fmt == 'qcow2':
        subprocess.check_call(['qemu-img', 'create', '-q', '-f', 'qcow2',
                               path, str(size)])
    else:
        with open(path, 'wb') as f:
            if data is not None:
                f.write(data)
            else:
                f.truncate(size)
    return path


def make_instance(**kw):
    iid = kw.pop('id', random.randint(1, 0x7fffffff))
    values = dict(uuid=str(uuid.uuid4()), id=iid, display_name='vm-%d' % iid,
                  memory_mb=128, vcpus=1, root_gb=1, ephemeral_gb=0, swap=0,
                  flavor={'flavorid': '1', 'name': 'm1.tiny', 'memory_mb': 128,
                          'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0},
                  image_ref='root-img', project_id='proj-1', user_id='user-1',
                  created_at=datetime.datetime(2026, 11, 25, 12, 0, 0),
                  metadata={}, network_info=[], host=CONF.host)
    values.update(kw)
    return Instance(**values)


def image_meta(image_id='root-img', disk_format='raw', **props):
    return {'id': image_id, 'name': image_id, 'disk_format': disk_format,
            'container_format': 'bare', 'size': 0, 'checksum': None,
            'min_ram': 0, 'min_disk': 0, 'status': 'active',
            'properties': props}


VIFS = [
    {'id': 'port-user', 'address': 'fa:16:3e:00:00:01', 'type': 'user',
     'bridge': None, 'network_name': None, 'network': {'label': 'private'}},
    {'id': 'port-br', 'address': 'fa:16:3e:00:00:02', 'type': 'bridge',
     'devname': 'tapport-br', 'network_name': None,
     'network': {'id': 'net-br', 'label': 'br', 'bridge': 'br-test'}},
    {'id': 'port-net', 'address': 'fa:16:3e:00:00:03', 'type': 'network',
     'bridge': None, 'network_name': 'default', 'network': {'label': 'def'}},
]
