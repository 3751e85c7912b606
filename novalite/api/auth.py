"""Authentication: noauth2 (the embedded default) or keystonemiddleware.

Both end with a :class:`novalite.context.RequestContext` in
``environ['novalite.context']`` carrying the request id.
"""
import webob.dec

from oslo_config import cfg

from novalite.api.openstack import faults
from novalite import context as nl_context

CONF = cfg.CONF


class NoAuthMiddleware:
    """Trust ``X-Auth-Token: user:project`` as is; the user ``admin`` is an
    administrator, anyone else a member (and reader) of the project."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        token = req.headers.get('X-Auth-Token')
        if not token:
            return faults.fault_response(401, 'Authentication required')
        user_id, _sep, project_id = token.partition(':')
        project_id = project_id or user_id
        roles = ['admin', 'member', 'reader'] if user_id == 'admin' else ['member', 'reader']
        req.environ['novalite.context'] = nl_context.RequestContext(
            user_id=user_id, project_id=project_id, roles=roles, auth_token=token,
            request_id=req.environ['novalite.request_id'],
            global_request_id=req.environ.get('novalite.global_request_id'))
        return req.get_response(self.application)


class KeystoneContext:
    """Build the context from the headers keystonemiddleware set."""

    def __init__(self, application):
        self.application = application

    @webob.dec.wsgify
    def __call__(self, req):
        if req.headers.get('X-Identity-Status', 'Invalid') != 'Confirmed':
            return faults.fault_response(401, 'Authentication required')
        roles = [r.strip().lower() for r in req.headers.get('X-Roles', '').split(',') if r.strip()]
        req.environ['novalite.context'] = nl_context.RequestContext(
            user_id=req.headers.get('X-User-Id'), project_id=req.headers.get('X-Project-Id'),
            roles=roles, auth_token=req.headers.get('X-Auth-Token'),
            user_name=req.headers.get('X-User-Name'),
            project_name=req.headers.get('X-Project-Name'),
            request_id=req.environ['novalite.request_id'],
            global_request_id=req.environ.get('novalite.global_request_id'))
        return req.get_response(self.application)


def pipeline(application):
    """Wrap ``application`` in the configured authentication."""
    if CONF.api.auth_strategy == 'keystone':
        from keystonemiddleware import auth_token
        return auth_token.AuthProtocol(KeystoneContext(application),
                                       {'oslo_config_project': 'novalite'})
    return NoAuthMiddleware(application)
