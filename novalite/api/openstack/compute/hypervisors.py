"""os-hypervisors (admin, read): the compute nodes with their service.

2.28 ``cpu_info`` is an object (a JSON string before); 2.33 limit/marker;
2.53 uuid ids, ``hypervisor_hostname_pattern`` and ``with_servers`` query
parameters replace /{pattern}/search and /{pattern}/servers; 2.75 ``servers``
always present when asked for; 2.88 the resource fields, /statistics and
/{id}/uptime are gone and ``uptime`` is in the detail.
"""
import json

from oslo_utils import strutils
from oslo_utils import uuidutils

from novalite.api.openstack import common
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.compute import api as compute_api
from novalite import exception
from novalite import policy

POLICY = 'os_compute_api:os-hypervisors:%s'
HOST_API = compute_api.HostAPI()
RESOURCE_FIELDS = ('vcpus', 'memory_mb', 'local_gb', 'vcpus_used', 'memory_mb_used',
                   'local_gb_used', 'free_ram_mb', 'free_disk_gb', 'current_workload',
                   'running_vms', 'disk_available_least')


def _view(req, node, service, detail, servers=None):
    uuid_ids = req.is_at_least('2.53')
    d = {'id': node['uuid'] if uuid_ids else node['id'],
         'hypervisor_hostname': node['hypervisor_hostname'],
         'state': 'up' if service and service['up'] else 'down',
         'status': 'disabled' if service is None or service['disabled'] else 'enabled'}
    if detail:
        d.update({'hypervisor_type': node['hypervisor_type'],
                  'hypervisor_version': node['hypervisor_version'],
                  'host_ip': node['host_ip'],
                  'service': {'host': node['host'],
                              'id': (service or {}).get('uuid' if uuid_ids else 'id'),
                              'disabled_reason': (service or {}).get('disabled_reason')}})
        if req.is_at_least('2.88'):
            d['uptime'] = None      # novalite's drivers do not report a host uptime
        else:
            d.update({f: node[f] for f in RESOURCE_FIELDS})
            cpu_info = node['cpu_info'] or {}
            d['cpu_info'] = cpu_info if req.is_at_least('2.28') else json.dumps(cpu_info)
    if servers is not None:
        d['servers'] = [{'name': i.display_name, 'uuid': i.uuid} for i in servers]
    return d


def _servers_on(req, node):
    return HOST_API.instance_get_all_by_node(req.context, node['host'],
                                             node['hypervisor_hostname'])


def _with_servers(req, node):
    """Servers of ``node`` for ?with_servers=true (2.53+); None when not shown."""
    if not strutils.bool_from_string(req.GET.get('with_servers', False), strict=False):
        return None
    servers = _servers_on(req, node)
    return servers if servers or req.is_at_least('2.75') else None


def _no_match(pattern):
    return faults.Fault(404, "No hypervisor matching '%s' could be found." % pattern)


class HypervisorsController:
    def _list(self, req, detail):
        policy.authorize(req.context, POLICY % ('list-detail' if detail else 'list'),
                         target={})
        pattern = req.GET.get('hypervisor_hostname_pattern') \
            if req.is_at_least('2.53') else None
        paged = req.is_at_least('2.33')
        limit = common.parse_limit(req.GET.get('limit')) if paged else None
        marker = req.GET.get('marker') if paged else None
        if pattern is not None:
            if 'limit' in req.GET or marker is not None:
                raise faults.Fault(400, 'Paging over hypervisors with the '
                                        'hypervisor_hostname_pattern query parameter is '
                                        'not supported.')
            limit = None
            pairs = HOST_API.compute_nodes_get_with_services(req.context, hostname_like=pattern)
            if not pairs:
                raise _no_match(pattern)
        else:
            pairs = self._page(req, HOST_API.compute_nodes_get_with_services(req.context),
                               limit, marker)
        with_servers = req.is_at_least('2.53')
        items = [_view(req, n, s, detail, _with_servers(req, n) if with_servers else None)
                 for n, s in pairs]
        return common.add_collection_links(
            {'hypervisors': items}, 'hypervisors_links', req,
            'os-hypervisors' + ('/detail' if detail else ''), items, limit)

    @staticmethod
    def _page(req, pairs, limit, marker):
        if marker is not None:
            key = 'uuid' if req.is_at_least('2.53') else 'id'
            ids = [str(n[key]) for n, _s in pairs]
            if marker not in ids:
                raise faults.Fault(400, 'marker [%s] not found' % marker)
            pairs = pairs[ids.index(marker) + 1:]
        return pairs[:limit] if limit is not None else pairs

    @wsgi.expected_errors((400, 404))
    def index(self, req):
        return self._list(req, detail=False)

    @wsgi.expected_errors((400, 404))
    def detail(self, req):
        return self._list(req, detail=True)

    @wsgi.expected_errors((400, 404))
    def show(self, req, id):
        policy.authorize(req.context, POLICY % 'show', target={})
        if req.is_at_least('2.53'):
            if not uuidutils.is_uuid_like(id):
                raise faults.Fault(400, 'Invalid uuid %s' % id)
            pairs = HOST_API.compute_nodes_get_with_services(req.context, node_uuid=id)
        else:
            pairs = HOST_API.compute_nodes_get_with_services(req.context, node_id=int(id)) \
                if id.isdigit() else []
        if not pairs:
            raise exception.HypervisorNotFound(id=id)
        node, service = pairs[0]
        servers = _with_servers(req, node) if req.is_at_least('2.53') else None
        return {'hypervisor': _view(req, node, service, True, servers)}

    @wsgi.expected_errors(404)
    def search(self, req, id):
        """GET /os-hypervisors/{pattern}/search (before 2.53)."""
        return {'hypervisors': [_view(req, n, s, False)
                                for n, s in self._match(req, id, 'search')]}

    @wsgi.expected_errors(404)
    def servers(self, req, id):
        """GET /os-hypervisors/{pattern}/servers (before 2.53)."""
        out = []
        for node, service in self._match(req, id, 'servers'):
            servers = _servers_on(req, node)
            out.append(_view(req, node, service, False, servers or None))
        return {'hypervisors': out}

    @staticmethod
    def _match(req, pattern, rule):
        if req.is_at_least('2.53'):
            raise exception.VersionNotFoundForAPIMethod(version=req.api_version_request)
        policy.authorize(req.context, POLICY % rule, target={})
        pairs = HOST_API.compute_nodes_get_with_services(req.context, hostname_like=pattern)
        if not pairs:
            raise _no_match(pattern)
        return pairs

    @wsgi.expected_errors(404)
    def statistics(self, req):
        """GET /os-hypervisors/statistics (before 2.88)."""
        if req.is_at_least('2.88'):
            raise exception.VersionNotFoundForAPIMethod(version=req.api_version_request)
        policy.authorize(req.context, POLICY % 'statistics', target={})
        nodes = [n for n, _s in HOST_API.compute_nodes_get_with_services(req.context)]
        stats = {f: sum(n[f] or 0 for n in nodes) for f in RESOURCE_FIELDS}
        stats['count'] = len(nodes)
        return {'hypervisor_statistics': stats}
