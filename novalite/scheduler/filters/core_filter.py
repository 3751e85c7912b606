"""CoreFilter: enough vCPUs, counting cpu_allocation_ratio."""
from novalite.scheduler import filters


class CoreFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        limit = host_state.total_usable_vcpus * host_state.cpu_allocation_ratio
        host_state.limits['vcpu'] = limit
        return limit - host_state.vcpus_used >= spec.vcpus

    def explain(self, spec, before, after):
        return 'CoreFilter: %d of %d hosts have %d vCPUs free' % (after, before, spec.vcpus)
