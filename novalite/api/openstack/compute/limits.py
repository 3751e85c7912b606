"""The /limits resource: absolute limits and usage of a project."""
from novalite.api.openstack.compute.views import limits as views
from novalite.api.openstack import wsgi
from novalite.policies import limits as limits_policies
from novalite import policy
from novalite import quota


class LimitsController:
    @wsgi.expected_errors(())
    def index(self, req):
        ctx = req.context
        policy.authorize(ctx, limits_policies.BASE_POLICY_NAME)
        project_id = req.GET.get('tenant_id') or ctx.project_id
        if project_id != ctx.project_id:
            policy.authorize(ctx, limits_policies.OTHER_PROJECT_LIMIT_POLICY_NAME)
        absolute = views.absolute(req, quota.get_project_quotas(project_id),
                                  quota.get_project_usages(project_id))
        return {'limits': {'rate': [], 'absolute': absolute}}
