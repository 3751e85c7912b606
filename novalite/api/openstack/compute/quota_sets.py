"""The /os-quota-sets resource: a project's limits, defaults and usage."""
import re

from novalite.api.openstack import faults
from novalite.api.openstack.compute.schemas import parameter_types as pt
from novalite.api.openstack.compute.schemas import quota_sets as schema
from novalite.api.openstack.compute.views import quota_sets as views
from novalite.api.openstack import wsgi
from novalite.api import validation
from novalite.policies import quota_sets as qs_policies
from novalite import policy
from novalite import quota


# Keystone's project ids (32 hex digits, or an LDAP/federated id): no
# spaces, slashes or control characters.
_PROJECT_ID = re.compile(r'[0-9A-Za-z_-]{1,64}')


def _authorize(req, action, project_id):
    policy.authorize(req.context, qs_policies.POLICY_ROOT % action,
                     {'project_id': project_id})


class QuotaSetsController:
    @wsgi.expected_errors(())
    def show(self, req, id):
        _authorize(req, 'show', id)
        return views.quota_set(req, id, quota.get_project_quotas(id))

    @wsgi.expected_errors(())
    def detail(self, req, id):
        _authorize(req, 'detail', id)
        return views.detail(req, id, quota.get_project_quotas(id),
                            quota.get_project_usages(id))

    @wsgi.expected_errors(())
    def defaults(self, req, id):
        _authorize(req, 'defaults', id)
        return views.quota_set(req, id, quota.get_defaults())

    @wsgi.expected_errors(400)
    @validation.schema(schema.update, '2.0', '2.35')
    @validation.schema(schema.update_v236, '2.36', '2.56')
    @validation.schema(schema.update_v257, '2.57')
    def update(self, req, id, body):
        _authorize(req, 'update', id)
        if not _PROJECT_ID.fullmatch(id):
            raise faults.Fault(400, 'Project ID %s is not a valid project.' % id)
        values = body['quota_set']
        force = pt.is_true(values.get('force', False))
        limits = {k: int(v) for k, v in values.items()
                  if k in quota.RESOURCES and (v or v == 0)}
        quota.update_project_quotas(id, limits, force=force)
        return views.quota_set(req, None, quota.get_project_quotas(id))

    @wsgi.response(202)
    @wsgi.expected_errors(())
    def delete(self, req, id):
        _authorize(req, 'delete', id)
        quota.destroy_project_quotas(id)
