"""The /flavors resource (read side; flavor_manage.py creates and deletes)."""
from oslo_utils import strutils

from novalite.api.openstack import common
from novalite.api.openstack.compute.views import flavors as views_flavors
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.compute import flavors as compute_flavors

# Nova's sort keys; ``id`` is the internal id, ``flavorid`` the API id.
SORT_KEYS = ('created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id',
             'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap',
             'updated_at', 'vcpu_weight', 'vcpus')
QUERY_PARAMS = ('limit', 'marker', 'is_public', 'minRam', 'minDisk', 'sort_key', 'sort_dir')


def _is_public(value):
    """Nova's is_public parsing: absent means public only, the string
    'none' (clients send ``is_public=None``) means all."""
    if value is None:
        return True
    if value.strip().lower() == 'none':
        return None
    try:
        return strutils.bool_from_string(value, strict=True)
    except ValueError:
        raise faults.Fault(400, 'Invalid is_public filter [%s]' % value)


def _int_param(req, name):
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise faults.Fault(400, 'Invalid %s filter [%s]' % (name, value))


def _check_query(req):
    for key, allowed in (('sort_key', SORT_KEYS), ('sort_dir', ('asc', 'desc'))):
        value = req.GET.get(key)
        if value is not None and value not in allowed:
            raise faults.Fault(400, "Invalid input for query parameters %s. Value: %s. "
                                    "%r is not one of %r" % (key, value, value, list(allowed)))
    if req.is_at_least('2.75'):
        common.reject_unknown_params(req, QUERY_PARAMS)


class FlavorsController:
    def _list(self, req, detailed):
        ctx = req.context
        _check_query(req)
        if ctx.is_admin:       # only admins may ask for private or all flavors
            is_public = _is_public(req.GET.get('is_public'))
        else:
            is_public = True
        limit = common.parse_limit(req.GET.get('limit'))
        flavors = compute_flavors.get_all_flavors_sorted_list(
            ctx, is_public=is_public, min_memory_mb=_int_param(req, 'minRam'),
            min_root_gb=_int_param(req, 'minDisk'),
            sort_key=req.GET.get('sort_key') or 'flavorid',
            sort_dir=req.GET.get('sort_dir') or 'asc', limit=limit,
            marker=req.GET.get('marker'))
        if detailed:
            specs = views_flavors.include_extra_specs(req)
            items = [views_flavors.show(req, f, specs) for f in flavors]
        else:
            items = [views_flavors.basic(req, f) for f in flavors]
        return common.add_collection_links(
            {'flavors': items}, 'flavors_links', req,
            'flavors' + ('/detail' if detailed else ''), items, limit)

    @wsgi.expected_errors(400)
    def index(self, req):
        return self._list(req, detailed=False)

    @wsgi.expected_errors(400)
    def detail(self, req):
        return self._list(req, detailed=True)

    @wsgi.expected_errors(404)
    def show(self, req, id):
        return {'flavor': views_flavors.show(req, get_flavor(req, id))}


def get_flavor(req, flavorid):
    """The flavor the caller may see (private ones only when shared), or 404."""
    return compute_flavors.get_flavor_by_flavor_id(flavorid, req.context)
