"""oslo.policy defaults in code, one module per resource, Nova's rule names."""
import itertools

from novalite.policies import (attach_interfaces, availability_zone, base, flavor_access,
                               flavor_extra_specs,
                               flavor_manage, flavors, hypervisors, instance_actions,
                               keypairs, limits, network, quota_sets,
                               server_external_events, servers, services)


def list_rules():
    return list(itertools.chain(base.list_rules(), servers.list_rules(),
                                flavors.list_rules(), flavor_manage.list_rules(),
                                flavor_access.list_rules(), flavor_extra_specs.list_rules(),
                                availability_zone.list_rules(), hypervisors.list_rules(),
                                services.list_rules(), instance_actions.list_rules(),
                                keypairs.list_rules(), limits.list_rules(),
                                quota_sets.list_rules(),
                                server_external_events.list_rules(), network.list_rules(),
                                attach_interfaces.list_rules()))
