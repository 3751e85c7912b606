"""The WSGI application of novalite-api, built in code (no paste.ini):

request id → version documents → authentication → microversion → route →
handler.  ``application`` is the entry point for any WSGI server.
"""
import re
import threading
import uuid

from oslo_config import cfg
from oslo_middleware import sizelimit

from novalite.api import auth
from novalite.api.identity import app as identity_app
from novalite.api.image import app as image_app
from novalite.api.network import app as network_app
from novalite.api.openstack import api_version
from novalite.api.openstack.compute import routes as compute_routes
from novalite.api.openstack.compute import versions
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.conf import api as conf_api
from novalite import config
from novalite import exception
from novalite.image import glance
from novalite.network import neutron
from novalite import rpc

CONF = cfg.CONF
conf_api.register_sizelimit_opts(CONF)

_REQ_ID_RE = re.compile(r'^req-[a-f0-9]{8}(-[a-f0-9]{4}){3}-[a-f0-9]{12}$')
_PROJECT_RE = re.compile(r'^[0-9a-f-]+$')
VERSION_PREFIXES = {'v2.1': False, 'v2': True}   # prefix -> legacy


class ComputeAPI:
    """The authenticated part: microversion, project check, route, handler."""

    def __init__(self):
        self.router = compute_routes.Router()

    def __call__(self, environ, start_response):
        req = wsgi.Request(environ)
        legacy = environ['novalite.legacy_v2']
        req.is_legacy_v2 = legacy
        path = environ['novalite.api_path']
        resp = self._dispatch(req, path, legacy)
        if not legacy:
            _version_headers(resp, req.api_version_request)
        return resp(environ, start_response)

    def _dispatch(self, req, path, legacy):
        try:
            req.api_version_request = (api_version.LEGACY_VERSION if legacy
                                       else api_version.from_headers(req.headers))
        except (exception.InvalidAPIVersionString, exception.InvalidGlobalAPIVersion) as e:
            return faults.error_response(e)
        try:
            handler, kwargs = self.router.match(path, req.method)
        except LookupError as e:
            if e.args[0] == 405:
                return faults.fault_response(405, 'The method specified is not allowed '
                                                  'for this resource.')
            return faults.fault_response(404, 'The resource could not be found.')
        project_id = kwargs.pop('project_id', None)
        ctx = req.context
        if project_id is not None:
            req.environ['novalite.url_project_id'] = project_id
            if project_id != ctx.project_id:
                return faults.error_response(exception.ProjectIdMismatch(
                    url=project_id, context=ctx.project_id))
        return wsgi.invoke(handler, req, kwargs)


def _version_headers(resp, version):
    resp.headers[api_version.HEADER_NEW] = 'compute %s' % version
    resp.headers[api_version.HEADER_LEGACY] = str(version)
    resp.headers['Vary'] = '%s, %s' % (api_version.HEADER_NEW, api_version.HEADER_LEGACY)


def _limit_body(req):
    """Nova's sizelimit: a 413 for a declared length over
    ``[oslo_middleware] max_request_body_size``; a chunked body is cut off
    at the limit while it is read (parse_body answers 413 then)."""
    limit = CONF.oslo_middleware.max_request_body_size
    if req.content_length is not None and req.content_length > limit:
        return faults.fault_response(413, wsgi.TOO_LARGE)
    if req.content_length is None and req.method in ('POST', 'PUT', 'PATCH'):
        req.body_file = sizelimit.LimitingReader(req.body_file, limit)
    return None


class RootApp:
    """Request ids on every response; version documents without auth."""

    def __init__(self):
        self.compute = auth.pipeline(ComputeAPI())
        # the built-in image store's Glance v2 endpoint, unless a real Glance is used
        self.image = None if glance.enabled() else image_app.ImageApp()
        # the embedded network service's Neutron v2.0 subset, unless a real Neutron is used
        self.network = (network_app.NetworkApp() if CONF.network.backend == 'embedded'
                        else None)
        if self.network is not None:
            neutron.serve_locally(self)     # this process's own client: no self-HTTP
        # noauth2's Keystone v3 subset, so clients log in with a plain clouds.yaml
        self.identity = (identity_app.IdentityApp(self.catalog_services)
                         if CONF.api.auth_strategy == 'noauth2' else None)

    def catalog_services(self):
        """(type, name, path or URL) of each service for the catalog."""
        services = [('compute', 'nova', '/v2.1'),
                    ('image', 'glance', '/image' if self.image is not None else glance.endpoint())]
        if self.network is not None:
            services.append(('network', 'neutron', '/network'))
        elif CONF.neutron.endpoint_override:      # a real Neutron elsewhere
            services.append(('network', 'neutron', CONF.neutron.endpoint_override))
        return services + [('identity', 'keystone', '/identity')]

    def __call__(self, environ, start_response):
        req = wsgi.Request(environ)
        request_id = 'req-%s' % uuid.uuid4()
        environ['novalite.request_id'] = request_id
        incoming = req.headers.get('X-Openstack-Request-Id')
        if incoming and _REQ_ID_RE.match(incoming):
            environ['novalite.global_request_id'] = incoming
        try:
            resp = self._route(req, environ)
            if resp is None:
                resp = req.get_response(self.compute)
        except Exception as e:  # noqa: BLE001 - Nova's 500 body, never a bare crash
            f = faults.unexpected(e)
            resp = faults.fault_response(f.code, f.message, f.headers)
        resp.headers['x-openstack-request-id'] = request_id
        resp.headers['x-compute-request-id'] = request_id
        return resp(environ, start_response)

    def _route(self, req, environ):
        parts = req.path_info.split('/')
        if req.path_info in ('', '/'):
            if req.method != 'GET':
                return faults.fault_response(405, 'The method specified is not allowed.')
            return wsgi.json_response(versions.index(req))
        prefix = parts[1]
        if prefix == 'image' and self.image is not None:
            req.path_info_pop()
            return req.get_response(self.image)
        if prefix == 'network' and self.network is not None:
            req.path_info_pop()
            return req.get_response(self.network)
        if prefix == 'identity' and self.identity is not None:
            req.path_info_pop()
            return req.get_response(self.identity)
        if prefix not in VERSION_PREFIXES:
            return wsgi.json_response(versions.multiple_choices(req), 300)
        too_large = _limit_body(req)
        if too_large is not None:
            return too_large
        key = 'v2.0' if VERSION_PREFIXES[prefix] else 'v2.1'
        rest = '/'.join(parts[2:])
        if len(parts) == 2:
            resp = wsgi.json_response(None, 302)
            resp.location = '%s/%s/' % (req.host_url + req.script_name, prefix)
            return resp
        segs = [s for s in rest.split('/') if s]
        if not segs or (len(segs) == 1 and _PROJECT_RE.match(segs[0]) and req.method == 'GET'):
            return wsgi.json_response(versions.show(req, key))
        environ['novalite.legacy_v2'] = VERSION_PREFIXES[prefix]
        environ['novalite.api_path'] = '/' + rest.rstrip('/')
        return None


def build_app():
    return RootApp()


def init_application():
    """Configuration, RPC and the application, for a WSGI server (uwsgi,
    gunicorn, mod_wsgi): config from $NOVALITE_CONFIG_FILE or
    /etc/novalite/novalite.conf, never from the server's argv."""
    config.parse_wsgi_config()
    rpc.init(identities=['novalite-api'])
    return build_app()


class _LazyApplication:
    """``novalite.api.wsgi:application``: built on the first request, so that
    a pre-forking server (gunicorn, uwsgi without lazy-apps) connects to the
    broker in each worker, after the fork."""

    def __init__(self):
        self._app = None
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if self._app is None:
            with self._lock:
                if self._app is None:
                    self._app = init_application()
        return self._app(environ, start_response)


application = _LazyApplication()
