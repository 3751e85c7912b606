"""Policy: in-code defaults with Nova's rule names, overridden by an
operator's policy file; and Nova's noauth2 (the embedded default)."""
import pytest

from tests.cloud import ADMIN_TOKEN, PROJECT, USER_TOKEN, wait_for
from tests import tempest_schemas

pytestmark = pytest.mark.xdist_group('test_policy')


# A rule every policy file the tests write also holds: seeing it applied
# shows the API has read the file (it looks at most once a second).
CANARY = '"os_compute_api:limits": "!"\n'


class PolicyFile:
    def __init__(self, cloud):
        self.cloud, self.path = cloud, cloud.conf.parent / 'policy.yaml'

    def _limits_status(self):
        return self.cloud.request('GET', '/v2.1/limits', token=USER_TOKEN).status

    def write(self, text):
        """Write the operator's file and wait until the API applies it."""
        self.path.write_text(text + CANARY)
        wait_for(lambda: self._limits_status() == 403, timeout=10, what='policy file read')

    def remove_overrides(self):
        self.path.write_text('{}\n')
        wait_for(lambda: self._limits_status() == 200, timeout=10, what='defaults back')


@pytest.fixture
def policy_file(module_cloud):
    """The operator's policy file: ``[oslo_policy] policy_file`` (default
    ``policy.yaml``, looked up next to the config file as Nova looks in
    /etc/nova).  It is reread when it changes, within a second: no restart."""
    pf = PolicyFile(module_cloud)
    yield pf
    pf.remove_overrides()     # back to the defaults for the next test


def test_policy_file_overrides_a_default(module_cloud, policy_file):
    path = module_cloud.servers_path()
    assert module_cloud.request('GET', path, token=USER_TOKEN).status == 200
    policy_file.write('"os_compute_api:servers:index": "rule:context_is_admin"\n')
    resp = module_cloud.request('GET', path, token=USER_TOKEN)
    assert resp.status == 403
    assert resp.json == {'forbidden': {
        'code': 403,
        'message': "Policy doesn't allow os_compute_api:servers:index to be performed."}}
    # the admin still passes; the member keeps every rule not overridden
    resp = module_cloud.request('GET', path, token=ADMIN_TOKEN)
    assert resp.status == 200
    tempest_schemas.check('servers_client.ServersClient', 'list_servers', '2.1', resp)
    assert module_cloud.request('GET', path + '/detail', token=USER_TOKEN).status == 200
    # the operator takes the override out: the default applies again
    policy_file.remove_overrides()
    assert module_cloud.request('GET', path, token=USER_TOKEN).status == 200


def test_policy_file_can_open_an_admin_rule(module_cloud, policy_file):
    path = module_cloud.servers_path('/detail?all_tenants=1')
    resp = module_cloud.request('GET', path, token=USER_TOKEN)
    assert resp.status == 403
    assert resp.json['forbidden']['message'] == (
        "Policy doesn't allow os_compute_api:servers:detail:get_all_tenants to be performed.")
    policy_file.write('"os_compute_api:servers:detail:get_all_tenants": '
                      '"rule:project_member_or_admin"\n')
    resp = module_cloud.request('GET', path, token=USER_TOKEN)
    assert resp.status == 200, resp.raw
    tempest_schemas.check('servers_client.ServersClient', 'list_servers_detail', '2.1', resp)


def test_admin_only_attributes_follow_policy(module_cloud, policy_file):
    resp = module_cloud.boot(name='pol1')
    assert resp.status == 202, resp.raw
    server_id = resp.json['server']['id']
    module_cloud.wait_status(server_id)
    member = module_cloud.get_server(server_id, token=USER_TOKEN).json['server']
    assert 'OS-EXT-SRV-ATTR:host' not in member
    admin = module_cloud.get_server(server_id).json['server']
    assert admin['OS-EXT-SRV-ATTR:host'] == 'compute1'
    policy_file.write('"os_compute_api:os-extended-server-attributes": '
                      '"rule:project_reader_or_admin"\n')
    resp = module_cloud.get_server(server_id, token=USER_TOKEN)
    tempest_schemas.check('servers_client.ServersClient', 'get_server', '2.1', resp)
    assert resp.json['server']['OS-EXT-SRV-ATTR:host'] == 'compute1'


# -- noauth2 --------------------------------------------------------------------------
def test_noauth2_without_token_hands_out_a_fake_token(module_cloud):
    """Nova's noauth2 answers a request without X-Auth-Token as a v1.1
    authentication request: 204 and the token to use."""
    resp = module_cloud.request('GET', '/v2.1/servers', token=None)
    assert resp.status == 204
    assert resp.headers['X-Auth-Token'] == 'admin:admin'
    assert resp.headers['X-Server-Management-Url'] == module_cloud.base + '/v2.1/servers/admin'
    resp = module_cloud.request('GET', '/v2.1', token=None,
                                headers={'X-Auth-User': 'demo', 'X-Auth-Project-Id': PROJECT})
    # the version document needs no token at all
    assert resp.status == 200
    resp = module_cloud.request('GET', '/v2.1/flavors', token=None,
                                headers={'X-Auth-User': 'demo', 'X-Auth-Project-Id': PROJECT})
    assert resp.status == 204
    token = resp.headers['X-Auth-Token']
    assert token == 'demo:%s' % PROJECT
    resp = module_cloud.request('GET', module_cloud.servers_path(), token=token)
    assert resp.status == 200


def test_noauth2_token_is_user_and_project(module_cloud):
    resp = module_cloud.boot(name='noauth-owner')
    assert resp.status == 202, resp.raw
    server = module_cloud.get_server(resp.json['server']['id']).json['server']
    assert (server['user_id'], server['tenant_id']) == ('admin', PROJECT)
    # another project's member neither sees nor finds it; a wrong URL project is 400
    other = 'demo:%s' % ('f' * 32)
    resp = module_cloud.request('GET', '/v2.1/%s/servers/%s' % ('f' * 32, server['id']),
                                token=other)
    assert resp.status == 404
    resp = module_cloud.request('GET', module_cloud.servers_path(), token=other)
    assert resp.status == 400
    assert 'Malformed request URL' in resp.json['badRequest']['message']
