"""CoreFilter: enough vCPUs, counting cpu_allocation_ratio."""
from novalite.scheduler import filters


class CoreFilter(filters.OnePassFilter):
    def filter_all(self, host_states, spec):
        need, kept = spec.vcpus, []
        for h in host_states:
            limit = h.total_usable_vcpus * h.cpu_allocation_ratio
            h.limits['vcpu'] = limit
            if limit - h.vcpus_used >= need:
                kept.append(h)
        return kept

    def explain(self, spec, before, after):
        return 'CoreFilter: %d of %d hosts have %d vCPUs free' % (after, before, spec.vcpus)
