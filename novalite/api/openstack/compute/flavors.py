"""The /flavors resource."""
from novalite.api.openstack import common
from novalite.api.openstack.compute.views import flavors as views_flavors
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api.openstack.compute.servers import parse_limit
from novalite.db import catalog as db_catalog

SORT_KEYS = {'flavorid': 'flavorid', 'id': 'flavorid', 'name': 'name',
             'memory_mb': 'memory_mb', 'vcpus': 'vcpus', 'root_gb': 'root_gb',
             'ephemeral_gb': 'ephemeral_gb', 'swap': 'swap', 'rxtx_factor': 'rxtx_factor',
             'created_at': 'created_at'}


def _is_public(req):
    """Nova's is_public parsing: admins may ask for None ('all'); the
    literal string 'None' clients send is tolerated."""
    value = req.GET.get('is_public')
    if value is None:
        return True
    value = value.strip().lower()
    if value in ('none', ''):
        return None if req.context.is_admin else True
    if value in ('1', 'true', 't', 'yes', 'y', 'on'):
        return True
    if value in ('0', 'false', 'f', 'no', 'n', 'off'):
        return False
    raise faults.Fault(400, 'Invalid is_public filter [%s]' % req.GET['is_public'])


def _int_param(req, name):
    value = req.GET.get(name)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise faults.Fault(400, 'Invalid %s filter [%s]' % (name, value))


class FlavorsController:
    def _list(self, req, detailed):
        ctx = req.context
        is_public = _is_public(req)
        project = None if ctx.is_admin else ctx.project_id
        if is_public is False and not ctx.is_admin:
            is_public = None   # non-admins see their private flavors via access
        sort_key = SORT_KEYS.get(req.GET.get('sort_key', 'flavorid'))
        sort_dir = req.GET.get('sort_dir', 'asc')
        if sort_key is None or sort_dir not in ('asc', 'desc'):
            raise faults.Fault(400, 'Invalid sort key or direction')
        limit = parse_limit(req.GET.get('limit'))
        flavors = db_catalog.flavor_get_all(
            project_id=project, is_public=is_public, min_ram=_int_param(req, 'minRam'),
            min_disk=_int_param(req, 'minDisk'), limit=limit, marker=req.GET.get('marker'),
            sort_key=sort_key, sort_dir=sort_dir)
        view = views_flavors.show if detailed else views_flavors.basic
        result = {'flavors': [view(req, f) for f in flavors]}
        links = common.collection_links(req, 'flavors' + ('/detail' if detailed else ''),
                                        result['flavors'], limit)
        if links:
            result['flavors_links'] = links
        return result

    @wsgi.expected_errors(400)
    def index(self, req):
        return self._list(req, detailed=False)

    @wsgi.expected_errors(400)
    def detail(self, req):
        return self._list(req, detailed=True)

    @wsgi.expected_errors(404)
    def show(self, req, id):
        ctx = req.context
        flavor = db_catalog.flavor_get_by_flavor_id(id, None if ctx.is_admin else ctx.project_id)
        return {'flavor': views_flavors.show(req, flavor)}
