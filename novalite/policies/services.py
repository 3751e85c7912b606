"""Policies for os-services (all admin)."""
from novalite.policies import base

P = 'os_compute_api:os-services:%s'

rules = [
    base.rule(P % 'list', base.ADMIN, 'List all running Compute services in a region',
              ('GET', '/os-services')),
    base.rule(P % 'update', base.ADMIN, 'Update a Compute service',
              ('PUT', '/os-services/{service_id}')),
]


def list_rules():
    return rules
