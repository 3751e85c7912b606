"""The route table of the compute API: path → {method: (controller, action)}.

Every route exists with and without the ``/{project_id}`` prefix, under
``/v2.1`` and the legacy ``/v2``, as in Nova.
"""
import routes

from novalite.api.openstack.compute import attach_interfaces
from novalite.api.openstack.compute import availability_zone
from novalite.api.openstack.compute import flavor_access
from novalite.api.openstack.compute import flavor_extra_specs
from novalite.api.openstack.compute import flavor_manage
from novalite.api.openstack.compute import flavors
from novalite.api.openstack.compute import keypairs
from novalite.api.openstack.compute import limits
from novalite.api.openstack.compute import quota_sets
from novalite.api.openstack.compute import hypervisors
from novalite.api.openstack.compute import instance_actions
from novalite.api.openstack.compute import server_external_events
from novalite.api.openstack.compute import servers
from novalite.api.openstack.compute import services

PROJECT_ID_RE = '[0-9a-f-]+'


def route_list():
    server_c = servers.ServersController()
    flavor_c = flavors.FlavorsController()
    keypair_c = keypairs.KeypairController()
    limits_c = limits.LimitsController()
    quota_c = quota_sets.QuotaSetsController()
    manage_c = flavor_manage.FlavorManageController()
    access_c = flavor_access.FlavorAccessController()
    specs_c = flavor_extra_specs.FlavorExtraSpecsController()
    az_c = availability_zone.AvailabilityZoneController()
    hyp_c = hypervisors.HypervisorsController()
    actions_c = instance_actions.InstanceActionsController()
    service_c = services.ServiceController()
    iface_c = attach_interfaces.InterfaceAttachmentController()
    events_c = server_external_events.ServerExternalEventsController()
    return [
        ('/servers', {'GET': (server_c, 'index'), 'POST': (server_c, 'create')}),
        ('/servers/detail', {'GET': (server_c, 'detail')}),
        ('/servers/{id}', {'GET': (server_c, 'show'), 'PUT': (server_c, 'update'),
                            'DELETE': (server_c, 'delete')}),
        ('/servers/{id}/action', {'POST': (server_c, 'action')}),
        ('/servers/{server_id}/os-instance-actions', {'GET': (actions_c, 'index')}),
        ('/servers/{server_id}/os-instance-actions/{id}', {'GET': (actions_c, 'show')}),
        ('/servers/{server_id}/os-interface', {'GET': (iface_c, 'index')}),
        ('/servers/{server_id}/os-interface/{id}', {'GET': (iface_c, 'show')}),
        ('/flavors', {'GET': (flavor_c, 'index'), 'POST': (manage_c, 'create')}),
        ('/flavors/detail', {'GET': (flavor_c, 'detail')}),
        ('/flavors/{id}', {'GET': (flavor_c, 'show'), 'PUT': (manage_c, 'update'),
                           'DELETE': (manage_c, 'delete')}),
        ('/flavors/{id}/action', {'POST': (flavor_access.FlavorActionController(), 'action')}),
        ('/flavors/{flavor_id}/os-flavor-access', {'GET': (access_c, 'index')}),
        ('/flavors/{flavor_id}/os-extra_specs', {'GET': (specs_c, 'index'),
                                                 'POST': (specs_c, 'create')}),
        ('/flavors/{flavor_id}/os-extra_specs/{id}', {
            'GET': (specs_c, 'show'), 'PUT': (specs_c, 'update'),
            'DELETE': (specs_c, 'delete')}),
        ('/os-availability-zone', {'GET': (az_c, 'index')}),
        ('/os-availability-zone/detail', {'GET': (az_c, 'detail')}),
        ('/os-hypervisors', {'GET': (hyp_c, 'index')}),
        ('/os-hypervisors/detail', {'GET': (hyp_c, 'detail')}),
        ('/os-hypervisors/statistics', {'GET': (hyp_c, 'statistics')}),
        ('/os-hypervisors/{id}', {'GET': (hyp_c, 'show')}),
        ('/os-hypervisors/{id}/search', {'GET': (hyp_c, 'search')}),
        ('/os-hypervisors/{id}/servers', {'GET': (hyp_c, 'servers')}),
        ('/os-server-external-events', {'POST': (events_c, 'create')}),
        ('/os-services', {'GET': (service_c, 'index')}),
        ('/os-services/{id}', {'PUT': (service_c, 'update')}),
        ('/os-keypairs', {'GET': (keypair_c, 'index'), 'POST': (keypair_c, 'create')}),
        ('/os-keypairs/{id}', {'GET': (keypair_c, 'show'), 'DELETE': (keypair_c, 'delete')}),
        ('/limits', {'GET': (limits_c, 'index')}),
        ('/os-quota-sets/{id}', {'GET': (quota_c, 'show'), 'PUT': (quota_c, 'update'),
                                 'DELETE': (quota_c, 'delete')}),
        ('/os-quota-sets/{id}/defaults', {'GET': (quota_c, 'defaults')}),
        ('/os-quota-sets/{id}/detail', {'GET': (quota_c, 'detail')}),
    ]


class Router:
    def __init__(self):
        self.mapper = routes.Mapper()
        self.mapper.explicit = True
        self.handlers = {}
        for path, methods in route_list():
            self.handlers[path] = methods
            for with_project in (True, False):
                full = ('/{project_id}' + path) if with_project else path
                reqs = {'project_id': PROJECT_ID_RE} if with_project else {}
                self.mapper.connect(full, route_key=path, requirements=reqs)

    def match(self, path, method):
        """(handler, kwargs), or raises LookupError('404'|'405')."""
        match = self.mapper.match(path)
        if match is None:
            raise LookupError(404)
        methods = self.handlers[match.pop('route_key')]
        if method not in methods:
            raise LookupError(405)
        controller, action = methods[method]
        return getattr(controller, action), match
