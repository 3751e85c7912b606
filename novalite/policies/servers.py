"""Policies for /servers, with Nova's names and defaults."""
from oslo_policy import policy

from novalite.policies import base

PREFIX = 'os_compute_api:servers:%s'


def _rule(name, check, desc, method, path):
    return policy.DocumentedRuleDefault(name=PREFIX % name, check_str=check,
                                        description=desc,
                                        operations=[{'method': method, 'path': path}],
                                        scope_types=['project'])


rules = [
    _rule('index', base.PROJECT_READER_OR_ADMIN, 'List all servers', 'GET', '/servers'),
    _rule('detail', base.PROJECT_READER_OR_ADMIN, 'List all servers with detailed information',
          'GET', '/servers/detail'),
    _rule('index:get_all_tenants', base.ADMIN, 'List all servers for all projects',
          'GET', '/servers'),
    _rule('detail:get_all_tenants', base.ADMIN,
          'List all servers with detailed information for all projects',
          'GET', '/servers/detail'),
    _rule('show', base.PROJECT_READER_OR_ADMIN, 'Show a server', 'GET', '/servers/{server_id}'),
    _rule('create', base.PROJECT_MEMBER_OR_ADMIN, 'Create a server', 'POST', '/servers'),
    policy.DocumentedRuleDefault(
        name='compute:servers:create:requested_destination', check_str=base.ADMIN,
        description='Create a server on the requested compute service host and/or '
                    'hypervisor_hostname (microversion 2.74)',
        operations=[{'method': 'POST', 'path': '/servers'}], scope_types=['project']),
    _rule('create:forced_host', base.ADMIN,
          'Create a server on the specified host and/or node', 'POST', '/servers'),
    _rule('delete', base.PROJECT_MEMBER_OR_ADMIN, 'Delete a server', 'DELETE',
          '/servers/{server_id}'),
    _rule('update', base.PROJECT_MEMBER_OR_ADMIN, 'Update a server', 'PUT',
          '/servers/{server_id}'),
    policy.DocumentedRuleDefault(
        name='os_compute_api:os-extended-server-attributes', check_str=base.ADMIN,
        description='Return extended attributes (OS-EXT-SRV-ATTR:*) for a server',
        operations=[{'method': 'GET', 'path': '/servers/{id}'},
                    {'method': 'GET', 'path': '/servers/detail'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name='os_compute_api:os-console-output', check_str=base.PROJECT_MEMBER_OR_ADMIN,
        description='Show console output for a server',
        operations=[{'method': 'POST', 'path': '/servers/{server_id}/action (os-getConsoleOutput)'}],
        scope_types=['project']),
    policy.DocumentedRuleDefault(
        name='os_compute_api:servers:show:host_status', check_str=base.ADMIN,
        description='Show the host status of a server',
        operations=[{'method': 'GET', 'path': '/servers/{server_id}'}],
        scope_types=['project']),
]


def list_rules():
    return rules
