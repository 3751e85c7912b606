"""os-availability-zone: the zones of the services (computes are in
[DEFAULT] default_availability_zone, the other services in
internal_service_availability_zone); /detail adds hosts and services."""
from oslo_config import cfg

from novalite.api.openstack import common
from novalite.api.openstack import wsgi
from novalite.compute import api as compute_api
from novalite import policy

CONF = cfg.CONF
POLICY = 'os_compute_api:os-availability-zone:%s'
HOST_API = compute_api.HostAPI()


def service_zone(service):
    """The zone a service row is in (novalite has no host aggregates)."""
    if service['binary'] == 'novalite-compute':
        return CONF.default_availability_zone
    return CONF.internal_service_availability_zone


def _zones(services):
    """(available zones, zones with only disabled services), sorted."""
    available = sorted({service_zone(s) for s in services if not s['disabled']})
    unavailable = sorted({service_zone(s) for s in services} - set(available))
    return available, unavailable


class AvailabilityZoneController:
    @wsgi.expected_errors(())
    def index(self, req):
        policy.authorize(req.context, POLICY % 'list', target={})
        available, unavailable = _zones(HOST_API.service_get_all(req.context))
        internal = CONF.internal_service_availability_zone
        return {'availabilityZoneInfo':
                [{'zoneName': z, 'zoneState': {'available': True}, 'hosts': None}
                 for z in available if z != internal] +
                [{'zoneName': z, 'zoneState': {'available': False}, 'hosts': None}
                 for z in unavailable]}

    @wsgi.expected_errors(())
    def detail(self, req):
        policy.authorize(req.context, POLICY % 'detail', target={})
        services = HOST_API.service_get_all(req.context)
        available, unavailable = _zones(services)
        hosts = {}
        for s in services:
            if s['disabled']:
                continue
            hosts.setdefault(service_zone(s), {}).setdefault(s['host'], {})[s['binary']] = {
                'available': s['up'], 'active': not s['disabled'],
                'updated_at': common.isotime(s['updated_at'])}
        return {'availabilityZoneInfo':
                [{'zoneName': z, 'zoneState': {'available': True}, 'hosts': hosts.get(z, {})}
                 for z in available] +
                [{'zoneName': z, 'zoneState': {'available': False}, 'hosts': None}
                 for z in unavailable]}
