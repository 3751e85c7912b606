"""[network] backend chooses whether novalite-api serves /network."""
import pytest
import webob
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.api import wsgi
from novalite import rpc

CONF = cfg.CONF


@pytest.fixture
def root_app():
    CONF.set_override('transport_url', 'fake://')
    rpc.init()

    def build(backend):
        CONF.set_override('backend', backend, 'network')
        return wsgi.RootApp()
    yield build
    rpc.cleanup()
    CONF.clear_override('backend', 'network')
    CONF.clear_override('transport_url')


def test_embedded_serves_network_and_neutron_does_not(root_app):
    resp = webob.Request.blank('/network').get_response(root_app('embedded'))
    assert resp.status_int == 200
    assert resp.json['versions'][0]['links'][0]['href'] == 'http://localhost/network/v2.0/'
    resp = webob.Request.blank('/network').get_response(root_app('neutron'))
    assert resp.status_int == 300 and 'choices' in resp.json      # the compute API's
