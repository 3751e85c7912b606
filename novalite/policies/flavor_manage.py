"""Policies for creating, updating and deleting flavors."""
from novalite.policies import base

P = 'os_compute_api:os-flavor-manage:%s'

rules = [
    base.rule(P % 'create', base.ADMIN, 'Create a flavor', ('POST', '/flavors')),
    base.rule(P % 'update', base.ADMIN, 'Update a flavor',
              ('PUT', '/flavors/{flavor_id}')),
    base.rule(P % 'delete', base.ADMIN, 'Delete a flavor',
              ('DELETE', '/flavors/{flavor_id}')),
]


def list_rules():
    return rules
