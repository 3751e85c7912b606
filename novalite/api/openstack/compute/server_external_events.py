"""os-server-external-events: other services (Neutron) tell compute about a
server's ports — ``network-vif-plugged`` ends the wait of a build whose guest
was started paused.  Each event gets its own code (200 accepted, 404 unknown
server, 422 server not on a host); the answer is 207 when any was refused and
404 when none was accepted, as Nova answers.
"""
from novalite.api.openstack.compute.schemas import server_external_events as schema
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.compute import api as compute_api
from novalite import exception
from novalite import policy

POLICY = 'os_compute_api:os-server-external-events:%s'


class ServerExternalEventsController:
    def __init__(self):
        self.compute_api = compute_api.API()

    def _instance(self, context, uuid, cache):
        if uuid not in cache:
            try:
                cache[uuid] = self.compute_api.get(context, uuid)
            except exception.InstanceNotFound:
                cache[uuid] = None
        return cache[uuid]

    @wsgi.expected_errors((403, 404))
    @validation.schema(schema.create, '2.0', '2.50')
    @validation.schema(schema.create_v251, '2.51', '2.75')
    @validation.schema(schema.create_v276, '2.76', '2.81')
    @validation.schema(schema.create_v282, '2.82', '2.92')
    @validation.schema(schema.create_v293, '2.93')
    def create(self, req, body):
        context = req.context
        policy.authorize(context, POLICY % 'create', target={})
        instances, accepted, answer, result = {}, [], [], 200
        for event in body['events']:
            event = dict(event, status=event.get('status', 'completed'))
            answer.append(event)
            instance = self._instance(context, event['server_uuid'], instances)
            if instance is None:
                event.update(status='failed', code=404)
            elif event['name'] == 'volume-extended' and 'tag' not in event:
                event.update(status='failed', code=400)
            elif not instance.host:
                event.update(status='failed', code=422)
            else:
                accepted.append((instance, dict(event, tag=event.get('tag'))))
                event.update(status='completed', code=200)
                continue
            result = 207
        if not accepted:
            raise faults.Fault(404, 'No instances found for any event')
        self.compute_api.external_instance_event(context, accepted)
        return wsgi.ResponseObject({'events': answer}, code=result)
