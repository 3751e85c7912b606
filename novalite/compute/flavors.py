"""Flavors as the API handlers use them (Nova's ``compute/flavors.py``): the
one door from os-flavors, os-flavor-manage, os-flavor-access,
os-flavor-extra-specs and server create to the flavor rows."""
from novalite import context as nl_context
from novalite.db import catalog as db_catalog


def create(values):
    """A new flavor from the row ``values`` (flavorid, name, sizes, ...)."""
    return db_catalog.flavor_create(values)


def get_flavor_by_flavor_id(flavorid, ctxt=None):
    """The flavor ``ctxt`` may see (a private one only when shared with its
    project; every one for an admin or without a context), or FlavorNotFound."""
    return db_catalog.flavor_get_by_flavor_id(flavorid, nl_context.project_scope(ctxt))


def get_all_flavors_sorted_list(ctxt, is_public=True, min_memory_mb=None, min_root_gb=None,
                                sort_key='flavorid', sort_dir='asc', limit=None,
                                marker=None):
    """The flavors ``ctxt`` may list; disabled ones only for an admin."""
    return db_catalog.flavor_get_all(
        project_id=ctxt.project_id, is_public=is_public, min_ram=min_memory_mb,
        min_disk=min_root_gb, limit=limit, marker=marker, sort_key=sort_key,
        sort_dir=sort_dir, include_disabled=ctxt.is_admin)


def update_description(flavorid, description):
    return db_catalog.flavor_update(flavorid, {'description': description})


def destroy(flavorid):
    db_catalog.flavor_destroy(flavorid)


def get_projects(flavorid):
    """The projects a private flavor is shared with."""
    return db_catalog.flavor_access_get(flavorid)


def add_access(flavorid, project_id):
    db_catalog.flavor_access_add(flavorid, project_id)


def remove_access(flavorid, project_id):
    db_catalog.flavor_access_remove(flavorid, project_id)


def update_extra_specs(flavorid, specs):
    return db_catalog.flavor_extra_specs_update(flavorid, specs)


def delete_extra_spec(flavorid, key):
    db_catalog.flavor_extra_specs_delete(flavorid, key)
