"""Policies for os-instance-actions."""
from novalite.policies import base

P = 'os_compute_api:os-instance-actions:%s'
PATH = '/servers/{server_id}/os-instance-actions'

rules = [
    base.rule(P % 'events:details', base.ADMIN, 'Add "details" key in action events for '
              'a server (2.84+)', ('GET', PATH + '/{request_id}')),
    base.rule(P % 'events', base.ADMIN, 'Add events details in action details for a '
              'server (traceback and host)', ('GET', PATH + '/{request_id}')),
    base.rule(P % 'list', base.PROJECT_READER_OR_ADMIN, 'List actions for a server',
              ('GET', PATH)),
    base.rule(P % 'show', base.PROJECT_READER_OR_ADMIN, 'Show action details for a server',
              ('GET', PATH + '/{request_id}')),
]


def list_rules():
    return rules
