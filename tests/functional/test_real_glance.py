"""``[glance] api_servers`` against a real Glance (from PyPI, tests/glance.py):
novalite-api resolves imageRef there instead of its own store and does not
serve /image; a compute host downloads the image data from it."""
import os
import uuid

import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401 - registers [glance]
from novalite import context as nl_context
from novalite.image import download
from tests import glance as glance_mod
from tests.cloud import private_cloud

pytestmark = pytest.mark.xdist_group('real_glance')

DATA = os.urandom(256 * 1024)


@pytest.fixture(scope='module')
def glance(tmp_path_factory):
    g = glance_mod.Glance(tmp_path_factory.mktemp('glance'))
    try:
        yield g.start()
    finally:
        g.stop()


@pytest.fixture(scope='module')
def cloud(glance, tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp('glance-cloud'),
                       extra_conf='[glance]\napi_servers = %s\n' % glance.url) as c:
        c.start()
        c.manage('flavor', 'create', '--id', '1', '--ram', '512', '--vcpus', '1',
                 '--disk', '1', 'm1.tiny')
        yield c


def test_boot_from_a_glance_image(cloud, glance):
    image = glance.create_image('from-glance', DATA)
    assert image['status'] == 'active'
    r = cloud.boot('g1', image=image['id'])
    assert r.status == 202, r.raw
    server = cloud.wait_status(r.json['server']['id'], ('ACTIVE',))
    assert server['image']['id'] == image['id']
    # the image came from Glance, not from novalite's own store
    assert cloud.query('SELECT count(*) FROM images')[0][0] == 0
    # /image is not served: the root answers with its version choices, as for
    # any unknown path
    r = cloud.request('GET', '/image/v2/images')
    assert r.status == 300 and 'choices' in r.json, r.raw
    before = cloud.row_counts()
    r = cloud.boot('g2', image=str(uuid.uuid4()))
    assert r.status == 400 and 'Can not find requested image' in \
        r.json['badRequest']['message'], r.raw
    assert cloud.row_counts() == before


def test_compute_downloads_from_glance(glance, tmp_path):
    image = glance.create_image('data', DATA)
    conf = cfg.CONF
    conf.set_override('api_servers', [glance.url], group='glance')
    try:
        dest = tmp_path / 'fetched'
        size = download.download(nl_context.get_admin_context(), image['id'], str(dest))
    finally:
        conf.clear_override('api_servers', group='glance')
    assert size == len(DATA) and dest.read_bytes() == DATA
