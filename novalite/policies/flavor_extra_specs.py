"""Policies for flavor extra specs (index also decides whether flavor
details carry ``extra_specs`` from 2.61)."""
from novalite.policies import base

P = 'os_compute_api:os-flavor-extra-specs:%s'
PATH = '/flavors/{flavor_id}/os-extra_specs'

rules = [
    base.rule(P % 'show', base.PROJECT_READER_OR_ADMIN, 'Show an extra spec for a flavor',
              ('GET', PATH + '/{flavor_extra_spec_key}')),
    base.rule(P % 'create', base.ADMIN, 'Create extra specs for a flavor', ('POST', PATH)),
    base.rule(P % 'update', base.ADMIN, 'Update an extra spec for a flavor',
              ('PUT', PATH + '/{flavor_extra_spec_key}')),
    base.rule(P % 'delete', base.ADMIN, 'Delete an extra spec for a flavor',
              ('DELETE', PATH + '/{flavor_extra_spec_key}')),
    base.rule(P % 'index', base.PROJECT_READER_OR_ADMIN,
              'List extra specs for a flavor. From 2.61 it also controls whether '
              'extra_specs appear in flavor details',
              ('GET', PATH), ('GET', '/flavors/detail'), ('GET', '/flavors/{flavor_id}'),
              ('POST', '/flavors'), ('PUT', '/flavors/{flavor_id}')),
]


def list_rules():
    return rules
