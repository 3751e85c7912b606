"""Policies for os-availability-zone."""
from novalite.policies import base

P = 'os_compute_api:os-availability-zone:%s'

rules = [
    base.rule(P % 'list', '@', 'List availability zone information without host '
              'information', ('GET', '/os-availability-zone')),
    base.rule(P % 'detail', base.ADMIN, 'List detailed availability zone information '
              'with host information', ('GET', '/os-availability-zone/detail')),
]


def list_rules():
    return rules
