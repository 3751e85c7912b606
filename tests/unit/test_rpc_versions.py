"""RPC version caps ([upgrade_levels], Nova's can_send_version): a sender
capped below the version that added a method does not send it."""
import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.compute import rpcapi as compute_rpcapi
from novalite import rpc

CONF = cfg.CONF


@pytest.fixture
def transport():
    CONF.set_override('transport_url', 'fake://')
    rpc.init(allow_in_process=True)
    yield
    rpc.cleanup()
    CONF.clear_override('transport_url')
    CONF.clear_override('compute', group='upgrade_levels')


def test_external_events_need_compute_rpc_6_1(transport):
    assert compute_rpcapi.ComputeAPI().client.can_send_version('6.1')
    CONF.set_override('compute', '6.0', group='upgrade_levels')
    api = compute_rpcapi.ComputeAPI()
    assert api.client.can_send_version('6.0')
    assert not api.client.can_send_version('6.1')
    # nothing is sent to computes that may be older: no signing key is even needed
    assert api.external_instance_event(None, [], [{'name': 'network-vif-plugged'}],
                                       'compute1') is False
