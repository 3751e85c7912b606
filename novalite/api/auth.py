"""Authentication: noauth2 (the embedded default) or keystonemiddleware.

Both end with a :class:`novalite.context.RequestContext` in
``environ['novalite.context']`` carrying the request id.
"""
import json

import webob
import webob.dec

from oslo_config import cfg

from novalite.api.openstack import faults
from novalite import context as nl_context

CONF = cfg.CONF

# The catalog entries kept on the context, as Nova keeps the ones for the
# services it calls (Nova: nova/api/auth.py).
SERVICE_CATALOG_TYPES = ('image', 'network', 'placement', 'volume', 'volumev3',
                         'key-manager', 'accelerator')


def _request_ids(req):
    return {'request_id': req.environ['novalite.request_id'],
            'global_request_id': req.environ.get('novalite.global_request_id')}


class NoAuthMiddleware:
    """Nova's noauth2, for development and tests: no identity service.

    ``X-Auth-Token: user:project`` is trusted as is (``user`` alone means
    project ``user``).  The user ``admin`` is an administrator.  Nova's
    noauth2 context carries no roles and so passes no role-based default
    policy; novalite gives the roles Keystone's bootstrap implies instead
    (admin > member > reader), so the in-code defaults work unchanged.

    A request without ``X-Auth-Token`` is Nova's legacy v1.1 authentication
    request: 204 with the fake token ``X-Auth-User:X-Auth-Project-Id`` (both
    default ``admin``) and the management URL.
    """

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if 'X-Auth-Token' not in req.headers:
            return self._fake_token(req)
        token = req.headers['X-Auth-Token']
        user_id, _sep, project_id = token.partition(':')
        project_id = project_id or user_id
        if not user_id or not project_id:
            return faults.fault_response(401, 'Authentication required')
        roles = ['admin', 'member', 'reader'] if user_id == 'admin' else ['member', 'reader']
        req.environ['novalite.context'] = nl_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles, auth_token=token,
            **_request_ids(req))
        return req.get_response(self.application)

    @staticmethod
    def _fake_token(req):
        user_id = req.headers.get('X-Auth-User', 'admin')
        project_id = req.headers.get('X-Auth-Project-Id', 'admin')
        resp = webob.Response(status=204, content_type='text/plain')
        resp.headers['X-Auth-Token'] = '%s:%s' % (user_id, project_id)
        resp.headers['X-Server-Management-Url'] = '/'.join([req.url.rstrip('/'), project_id])
        return resp


class KeystoneContext:
    """Nova's NovaKeystoneContext: the context from the headers
    keystonemiddleware auth_token set (X-User-Id, X-Project-Id, X-Roles,
    X-Service-Catalog, domains, system scope ...)."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        # delay_auth_decision lets unauthenticated requests through: refuse them.
        if req.headers.get('X-Identity-Status', 'Confirmed') != 'Confirmed':
            return faults.fault_response(401, 'Authentication required')
        ctx = nl_context.RequestContext.from_environ(
            req.environ, user_id=req.headers.get('X-User-Id', req.headers.get('X-User')),
            is_admin=None, **_request_ids(req))
        if ctx.user_id is None:
            return faults.fault_response(401, 'Authentication required')
        try:
            ctx.service_catalog = _service_catalog(req.headers.get('X-Service-Catalog'))
        except ValueError:
            return faults.fault_response(500, 'Invalid service catalog json.')
        req.environ['novalite.context'] = ctx
        return req.get_response(self.application)


def _service_catalog(header):
    if not header:
        return []
    return [s for s in json.loads(header) if s.get('type') in SERVICE_CATALOG_TYPES]


def pipeline(application):
    """Wrap ``application`` in the configured authentication."""
    if CONF.api.auth_strategy == 'keystone':
        from keystonemiddleware import auth_token
        # The process's own configuration (its --config-file), section
        # [keystone_authtoken]: as Nova's paste pipeline does.
        return auth_token.AuthProtocol(KeystoneContext(application),
                                       {'oslo_config_config': CONF})
    return NoAuthMiddleware(application)
