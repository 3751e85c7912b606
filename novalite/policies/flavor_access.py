"""Policies for the access list of private flavors."""
from novalite.policies import base

P = 'os_compute_api:os-flavor-access'

rules = [
    base.rule(P + ':add_tenant_access', base.ADMIN, 'Add flavor access to a tenant',
              ('POST', '/flavors/{flavor_id}/action (addTenantAccess)')),
    base.rule(P + ':remove_tenant_access', base.ADMIN, 'Remove flavor access from a tenant',
              ('POST', '/flavors/{flavor_id}/action (removeTenantAccess)')),
    base.rule(P, base.ADMIN, 'List flavor access information',
              ('GET', '/flavors/{flavor_id}/os-flavor-access')),
]


def list_rules():
    return rules
