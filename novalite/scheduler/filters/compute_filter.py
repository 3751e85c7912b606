"""ComputeFilter: the compute service must be up and enabled."""
from novalite.db import hosts as db_hosts
from novalite.scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        svc = host_state.service
        return not svc.get('disabled') and db_hosts.service_is_up(svc)

    def explain(self, spec, before, after):
        return 'ComputeFilter: %d of %d hosts are up and enabled' % (after, before)
