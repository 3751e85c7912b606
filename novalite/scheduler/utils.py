"""Helpers shared by the scheduler's clients (Nova's ``scheduler/utils.py``)."""


def build_filter_properties(scheduler_hints, forced_host, forced_node, flavor):
    """The filter properties of a new build (seed 3.3): the user's hints, the
    flavor, and an admin's forced host and node as one-element lists."""
    filter_properties = {'scheduler_hints': scheduler_hints, 'instance_type': flavor}
    if forced_host:
        filter_properties['force_hosts'] = [forced_host]
    if forced_node:
        filter_properties['force_nodes'] = [forced_node]
    return filter_properties
