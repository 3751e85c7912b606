"""os-services (admin): the service rows with their heartbeat state, and
enable/disable/force-down of compute services (which the scheduler's
ComputeFilter honours).

2.11 ``forced_down``; 2.53 ids are the service uuids and PUT addresses a
service by uuid instead of the enable/disable/... actions.
"""
from oslo_utils import strutils
from oslo_utils import uuidutils

from novalite.api.openstack.compute.availability_zone import service_zone
from novalite.api.openstack import common
from novalite.api.openstack.compute.schemas import services as schema
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import api as compute_api
from novalite import policy

POLICY = 'os_compute_api:os-services:%s'
HOST_API = compute_api.HostAPI()


def _view(req, service):
    d = {'id': service['uuid'] if req.is_at_least('2.53') else service['id'],
         'binary': service['binary'], 'host': service['host'],
         'zone': service_zone(service),
         'status': 'disabled' if service['disabled'] else 'enabled',
         'state': 'up' if service['up'] else 'down',
         'updated_at': common.isotime(service['updated_at']),
         'disabled_reason': service['disabled_reason']}
    if req.is_at_least('2.11'):
        d['forced_down'] = bool(service['forced_down'])
    return d


class ServiceController:
    @wsgi.expected_errors(())
    def index(self, req):
        policy.authorize(req.context, POLICY % 'list', target={})
        services = HOST_API.service_get_all(req.context, binary=req.GET.get('binary'),
                                            host=req.GET.get('host'))
        return {'services': [_view(req, s) for s in services]}

    @wsgi.expected_errors((400, 404))
    @validation.schema(schema.service_update, '2.0', '2.10')
    @validation.schema(schema.service_update_v211, '2.11', '2.52')
    @validation.schema(schema.service_update_v253, '2.53')
    def update(self, req, id, body):
        policy.authorize(req.context, POLICY % 'update', target={})
        if req.is_at_least('2.53'):
            return self._update_by_uuid(req, id, body)
        actions = {'enable': self._enable, 'disable': self._disable,
                   'disable-log-reason': self._disable_log_reason}
        if req.is_at_least('2.11'):
            actions['force-down'] = self._force_down
        if id not in actions:
            raise faults.Fault(404, 'Unknown action')
        if HOST_API.service_get(req.context, body['host'], body['binary']) is None:
            raise faults.Fault(404, 'Service %s on host %s not found.'
                               % (body['binary'], body['host']))
        values, shown = actions[id](body)
        HOST_API.service_update(req.context, body['host'], body['binary'], values)
        return {'service': dict({'host': body['host'], 'binary': body['binary']}, **shown)}

    @staticmethod
    def _enable(body):
        return {'disabled': False, 'disabled_reason': None}, {'status': 'enabled'}

    @staticmethod
    def _disable(body, reason=None):
        shown = {'status': 'disabled'}
        if reason:
            shown['disabled_reason'] = reason
        return {'disabled': True, 'disabled_reason': reason}, shown

    def _disable_log_reason(self, body):
        if 'disabled_reason' not in body:
            raise faults.Fault(400, 'Missing disabled reason field')
        return self._disable(body, body['disabled_reason'])

    @staticmethod
    def _force_down(body):
        if 'forced_down' not in body:
            raise faults.Fault(400, 'Missing forced_down field')
        forced = strutils.bool_from_string(body['forced_down'], strict=True)
        return {'forced_down': forced}, {'forced_down': body['forced_down']}

    def _update_by_uuid(self, req, service_uuid, body):
        if not uuidutils.is_uuid_like(service_uuid):
            raise faults.Fault(400, 'Invalid uuid %s' % service_uuid)
        if 'status' not in body and 'forced_down' not in body:
            raise faults.Fault(400, "No updates were requested. Fields 'status' or "
                                    "'forced_down' should be specified.")
        if 'disabled_reason' in body and body.get('status') != 'disabled':
            raise faults.Fault(400, "Specifying 'disabled_reason' with status other than "
                                    "'disabled' is invalid.")
        service = HOST_API.service_get_by_uuid(req.context, service_uuid)
        if service['binary'] != 'novalite-compute':
            raise faults.Fault(400, 'Updating a %s service is not supported. Only '
                                    'novalite-compute services can be updated.'
                               % service['binary'])
        values = {}
        if 'status' in body:
            disabled = body['status'] == 'disabled'
            values.update(disabled=disabled,
                          disabled_reason=body.get('disabled_reason') if disabled else None)
        if 'forced_down' in body:
            values['forced_down'] = strutils.bool_from_string(body['forced_down'], strict=True)
        HOST_API.service_update(req.context, service['host'], service['binary'], values)
        return {'service': _view(req, HOST_API.service_get_by_uuid(req.context, service_uuid))}
