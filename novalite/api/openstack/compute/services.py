"""os-services (admin): the service rows with their heartbeat state.

2.11 ``forced_down``; 2.53 ids are the service uuids.
"""
from novalite.api.openstack.compute.availability_zone import isotime, service_zone
from novalite.api.openstack import wsgi
from novalite.db import hosts as db_hosts
from novalite import policy

POLICY = 'os_compute_api:os-services:%s'


def _view(req, service):
    d = {'id': service['uuid'] if req.is_at_least('2.53') else service['id'],
         'binary': service['binary'], 'host': service['host'],
         'zone': service_zone(service),
         'status': 'disabled' if service['disabled'] else 'enabled',
         'state': 'up' if service['up'] else 'down',
         'updated_at': isotime(service['updated_at']),
         'disabled_reason': service['disabled_reason']}
    if req.is_at_least('2.11'):
        d['forced_down'] = bool(service['forced_down'])
    return d


class ServiceController:
    @wsgi.expected_errors(())
    def index(self, req):
        policy.authorize(req.context, POLICY % 'list', target={})
        services = db_hosts.service_get_all(binary=req.GET.get('binary'),
                                            host=req.GET.get('host'))
        return {'services': [_view(req, s) for s in services]}
