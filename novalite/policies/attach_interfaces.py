"""Policies for os-interface (Nova's os-attach-interfaces rules)."""
from novalite.policies import base

P = 'os_compute_api:os-attach-interfaces:%s'
PATH = '/servers/{server_id}/os-interface'

rules = [
    base.rule(P % 'list', base.PROJECT_READER_OR_ADMIN,
              'List port interfaces attached to a server', ('GET', PATH)),
    base.rule(P % 'show', base.PROJECT_READER_OR_ADMIN,
              'Show details of a port interface attached to a server',
              ('GET', PATH + '/{port_id}')),
]


def list_rules():
    return rules
