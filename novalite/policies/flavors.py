"""Policies for reading /flavors: Nova has none (anyone may list and show
the flavors visible to them); the admin side is in flavor_manage,
flavor_access and flavor_extra_specs."""


def list_rules():
    return []
