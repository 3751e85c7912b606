"""The /network WSGI application: a Neutron v2.0 subset (networks, subnets,
ports) over the embedded network service's tables.

Version documents answer without authentication (as Neutron's root does);
everything under /v2.0 goes through the compute API's authentication, so the
request context and roles are the same.  Errors are Neutron's body
``{"NeutronError": {"type", "message", "detail"}}`` with the class name as
``type``; the one table below maps the error families to status codes.
"""
import json
import logging
import re

import webob
import webob.dec

from novalite.api import auth
from novalite.api.network import attributes
from novalite.api.network import controller
from novalite.api.network import networks
from novalite.api.network import ports
from novalite.api.network import quotas
from novalite.api.network import subnets
from novalite.network import errors

LOG = logging.getLogger(__name__)

FAULTS = [(errors.NotFound, 404), (errors.Conflict, 409), (errors.InUse, 409),
          (errors.BadRequest, 400), (errors.NotAuthorized, 403),
          (errors.ServiceUnavailable, 503)]
RESOURCES = {'networks': networks, 'subnets': subnets, 'ports': ports}
# The extensions whose attributes this subset serves (GET /v2.0/extensions).
EXTENSIONS = [
    ('binding', 'Port Binding', 'Expose port bindings of a virtual port to external '
                                'application'),
    ('provider', 'Provider Network', 'Expose mapping of virtual networks to physical '
                                     'networks'),
    ('net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'),
    ('port-security', 'Port Security', 'Provides port security'),
    ('project-id', 'project_id field enabled', 'Extension that indicates that project_id '
                                               'field is enabled.'),
    ('standard-attr-description', 'standard-attr-description',
     'Extension to add descriptions to standard attributes'),
    ('standard-attr-revisions', 'Resource revision numbers',
     'This extension will display the revision number of neutron resources.'),
    ('standard-attr-timestamp', 'Resource timestamps',
     'Adds created_at and updated_at fields to all Neutron resources that have Neutron '
     'standard attributes.'),
    ('filter-validation', 'Filter parameters validation',
     'Provides validation on filter parameters.'),
    ('pagination', 'Pagination support', 'Extension that indicates that pagination is '
                                         'enabled.'),
    ('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'),
    ('empty-string-filtering', 'Empty String Filtering Extension',
     'Allow filtering by attributes with empty string value'),
    ('ip-substring-filtering', 'IP address substring filtering',
     'Provides IP address substring filtering when listing ports'),
    ('subnet-external-network', 'Subnet External Network',
     'Informs if the subnet is associated to an external network.'),
    ('subnet-service-types', 'Subnet service types', 'Provides ability to set the subnet '
                                                     'service_types field'),
    ('quotas', 'Quota management support', 'Expose functions for quotas management per '
                                           'project'),
    ('quota_details', 'Quota details management support',
     'Expose functions for quotas usage statistics per project'),
]
_QUOTAS = re.compile(r'^/v2\.0/quotas(?:/(?P<project>[^/.]+)(?:/(?P<sub>[a-z]+))?)?'
                     r'(?:\.json)?/?$')
_PATH = re.compile(r'^/v2\.0/(?P<collection>[a-z]+)(?:/(?P<ident>[^/]+?))?(?:\.json)?/?$')


def _method_not_allowed(allow):
    resp = neutron_error(405, 'HTTPMethodNotAllowed', 'The server could not comply with the '
                         'request since it is either malformed or otherwise incorrect.')
    resp.headers['Allow'] = ', '.join(sorted(allow))
    return resp


def neutron_error(code, type_name, message):
    body = {'NeutronError': {'type': type_name, 'message': message, 'detail': ''}}
    return webob.Response(status=code, content_type='application/json', charset='UTF-8',
                          body=json.dumps(body).encode())


def _fault(e):
    for cls, code in FAULTS:
        if isinstance(e, cls):
            return neutron_error(code, type(e).__name__, str(e))
    return neutron_error(500, 'HTTPInternalServerError',
                         'Request Failed: internal server error while processing your '
                         'request.')


def _json(status, body):
    resp = webob.Response(status=status, content_type='application/json' if body is not None
                          else None, charset='UTF-8' if body is not None else None)
    if body is not None:
        resp.body = json.dumps(body).encode()
    return resp


def _body(req):
    if not req.body:
        return None
    try:
        body = json.loads(req.body)
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, dict):
        raise errors.HTTPBadRequest(msg='Body contains invalid data')
    return body


def _extensions(req, alias):
    items = [{'alias': a, 'name': n, 'description': d, 'updated': '2013-01-01T00:00:00-00:00',
              'links': []} for a, n, d in EXTENSIONS]
    if alias is None:
        return _json(200, {'extensions': items})
    for item in items:
        if item['alias'] == alias:
            return _json(200, {'extension': item})
    raise errors.ExtensionNotFound(extension_alias=alias)


def _dispatch(req):
    if req.path_info.rstrip('/') == '/v2.0/extensions' or \
            req.path_info.startswith('/v2.0/extensions/'):
        if req.method != 'GET':
            return _method_not_allowed(['GET'])
        alias = req.path_info[len('/v2.0/extensions/'):].strip('/') or None
        return _extensions(req, alias)
    quota = _QUOTAS.match(req.path_info)
    if quota:
        return _json(*quotas.dispatch(req, quota.group('project'), quota.group('sub')))
    match = _PATH.match(req.path_info)
    res = RESOURCES.get(match.group('collection')) if match else None
    if res is None:
        raise errors.HTTPNotFound()
    ident = match.group('ident')
    if ident is not None and not attributes.storable(ident):
        raise errors.HTTPNotFound()
    if ident is None:
        handlers = {'GET': lambda: controller.index(res, req),
                    'POST': lambda: controller.create(res, req, _body(req))}
    else:
        handlers = {'GET': lambda: controller.show(res, req, ident),
                    'PUT': lambda: controller.update(res, req, _body(req), ident),
                    'DELETE': lambda: controller.delete(res, req, ident)}
    handler = handlers.get(req.method)
    if handler is None:
        return _method_not_allowed(handlers)
    status, body = handler()
    return _json(status, body)


class NetworkAPI:
    """The authenticated /v2.0 part."""

    @webob.dec.wsgify
    def __call__(self, req):
        try:
            return _dispatch(req)
        except errors.NeutronException as e:
            if not isinstance(e, (errors.NotFound, errors.BadRequest, errors.Conflict,
                                  errors.InUse, errors.NotAuthorized)):
                LOG.warning('%s %s failed: %s', req.method, req.path_info, e)
            return _fault(e)
        except UnicodeDecodeError:
            return neutron_error(400, 'HTTPBadRequest', 'The query string is not UTF-8.')
        except Exception:  # noqa: BLE001 - Neutron's 500 body, never a traceback
            LOG.exception('%s %s failed', req.method, req.path_info)
            return _fault(None)


def _versions(req):
    base = req.application_url
    return {'versions': [{'id': 'v2.0', 'status': 'CURRENT',
                          'links': [{'rel': 'self', 'href': base + '/v2.0/'}]}]}


def _resources(req):
    base = req.application_url + '/v2.0/'
    return {'resources': [{'name': res.NAME, 'collection': name,
                           'links': [{'rel': 'self', 'href': base + name}]}
                          for name, res in RESOURCES.items()]}


class NetworkApp:
    """Mounted at /network: the version documents, then the API."""

    def __init__(self):
        self.api = auth.pipeline(NetworkAPI())

    @webob.dec.wsgify
    def __call__(self, req):
        path = req.path_info.rstrip('/')
        if path in ('', '/v2.0'):
            if req.method != 'GET':
                return _method_not_allowed(['GET'])
            return _json(200, _versions(req) if path == '' else _resources(req))
        return req.get_response(self.api)
