"""The route table of the compute API: path → {method: (controller, action)}.

Every route exists with and without the ``/{project_id}`` prefix, under
``/v2.1`` and the legacy ``/v2``, as in Nova.
"""
import routes

from novalite.api.openstack.compute import flavors
from novalite.api.openstack.compute import servers

PROJECT_ID_RE = '[0-9a-f-]+'


def route_list():
    server_c = servers.ServersController()
    flavor_c = flavors.FlavorsController()
    return [
        ('/servers', {'GET': (server_c, 'index'), 'POST': (server_c, 'create')}),
        ('/servers/detail', {'GET': (server_c, 'detail')}),
        ('/servers/{id}', {'GET': (server_c, 'show'), 'PUT': (server_c, 'update'),
                            'DELETE': (server_c, 'delete')}),
        ('/servers/{id}/action', {'POST': (server_c, 'action')}),
        ('/flavors', {'GET': (flavor_c, 'index')}),
        ('/flavors/detail', {'GET': (flavor_c, 'detail')}),
        ('/flavors/{id}', {'GET': (flavor_c, 'show')}),
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
