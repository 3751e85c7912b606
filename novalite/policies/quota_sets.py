"""Policies for /os-quota-sets, with Nova's names and defaults."""
from oslo_policy import policy

from novalite.policies import base

POLICY_ROOT = 'os_compute_api:os-quota-sets:%s'
READER_OR_ADMIN = '(' + base.PROJECT_READER + ') or role:admin'


def _rule(name, check, desc, method, path):
    return policy.DocumentedRuleDefault(name=POLICY_ROOT % name, check_str=check,
                                        description=desc,
                                        operations=[{'method': method, 'path': path}],
                                        scope_types=['project'])


rules = [
    _rule('update', base.ADMIN, 'Update the quotas', 'PUT', '/os-quota-sets/{tenant_id}'),
    _rule('defaults', '@', 'List default quotas', 'GET',
          '/os-quota-sets/{tenant_id}/defaults'),
    _rule('show', READER_OR_ADMIN, 'Show a quota', 'GET', '/os-quota-sets/{tenant_id}'),
    _rule('delete', base.ADMIN, 'Revert quotas to defaults', 'DELETE',
          '/os-quota-sets/{tenant_id}'),
    _rule('detail', READER_OR_ADMIN, 'Show the detail of quota', 'GET',
          '/os-quota-sets/{tenant_id}/detail'),
]


def list_rules():
    return rules
