"""Policies for os-hypervisors (all admin)."""
from novalite.policies import base

P = 'os_compute_api:os-hypervisors:%s'

rules = [
    base.rule(P % 'list', base.ADMIN, 'List all hypervisors', ('GET', '/os-hypervisors')),
    base.rule(P % 'list-detail', base.ADMIN, 'List all hypervisors with details',
              ('GET', '/os-hypervisors/details')),
    base.rule(P % 'show', base.ADMIN, 'Show details for a hypervisor',
              ('GET', '/os-hypervisors/{hypervisor_id}')),
    base.rule(P % 'search', base.ADMIN, 'Search hypervisor by hypervisor_hostname pattern',
              ('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/search')),
    base.rule(P % 'servers', base.ADMIN, 'List all servers on hypervisors',
              ('GET', '/os-hypervisors/{hypervisor_hostname_pattern}/servers')),
    base.rule(P % 'statistics', base.ADMIN, 'Show summary statistics for all hypervisors '
              'over all compute nodes', ('GET', '/os-hypervisors/statistics')),
]


def list_rules():
    return rules
