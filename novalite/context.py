"""The request context: who asks, on whose behalf, under which request id.

It travels with every RPC message (rpc.RequestContextSerializer) and every
log line shows its request id (oslo.log reads the thread's current context).
"""
from oslo_context import context as o_context


class RequestContext(o_context.RequestContext):
    def __init__(self, user_id=None, project_id=None, is_admin=None, **kwargs):
        # oslo.context calls these ``user`` and ``project_id``; Nova says user_id.
        kwargs.setdefault('user_id', user_id)
        kwargs.setdefault('project_id', project_id)
        super().__init__(is_admin=bool(is_admin) if is_admin is not None else False, **kwargs)
        if is_admin is None:
            self.is_admin = 'admin' in (self.roles or [])

    def to_dict(self):
        d = super().to_dict()
        d['is_admin'] = self.is_admin
        # the caller's endpoints (X-Service-Catalog), so a compute reaches the
        # network service with the user's token as the API did (as Nova's)
        d['service_catalog'] = getattr(self, 'service_catalog', None) or []
        return d

    @classmethod
    def from_dict(cls, values):
        return cls(user_id=values.get('user') or values.get('user_id'),
                   project_id=values.get('project_id') or values.get('tenant'),
                   is_admin=values.get('is_admin'),
                   roles=values.get('roles') or [],
                   request_id=values.get('request_id'),
                   global_request_id=values.get('global_request_id'),
                   auth_token=values.get('auth_token'),
                   user_name=values.get('user_name'),
                   project_name=values.get('project_name'),
                   overwrite=True)._with_catalog(values.get('service_catalog'))

    def _with_catalog(self, catalog):
        self.service_catalog = catalog or []
        return self


def get_admin_context():
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          roles=['admin'], overwrite=False)


def project_scope(context):
    """The project a caller's reads are limited to: None (every project) for
    an admin, else its own.  The one place admin-or-project scoping is written."""
    return None if context is None or context.is_admin else context.project_id
