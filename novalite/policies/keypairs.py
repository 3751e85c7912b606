"""Policies for /os-keypairs: a user's own key pairs, or an admin's."""
from oslo_policy import policy

from novalite.policies import base

POLICY_ROOT = 'os_compute_api:os-keypairs:%s'
OWNER_OR_ADMIN = '(' + base.ADMIN + ') or user_id:%(user_id)s'


def _rule(name, desc, method, path):
    return policy.DocumentedRuleDefault(name=POLICY_ROOT % name, check_str=OWNER_OR_ADMIN,
                                        description=desc,
                                        operations=[{'path': path, 'method': method}],
                                        scope_types=['project'])


rules = [
    _rule('index', 'List all keypairs', 'GET', '/os-keypairs'),
    _rule('create', 'Create a keypair', 'POST', '/os-keypairs'),
    _rule('delete', 'Delete a keypair', 'DELETE', '/os-keypairs/{keypair_name}'),
    _rule('show', 'Show details of a keypair', 'GET', '/os-keypairs/{keypair_name}'),
]


def list_rules():
    return rules
