"""RamFilter: enough free RAM, counting ram_allocation_ratio."""
from novalite.scheduler import filters


class RamFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        limit = host_state.total_usable_ram_mb * host_state.ram_allocation_ratio
        used = host_state.total_usable_ram_mb - host_state.free_ram_mb
        host_state.limits['memory_mb'] = limit
        return limit - used >= spec.memory_mb

    def explain(self, spec, before, after):
        return 'RamFilter: %d of %d hosts have %d MB free' % (after, before, spec.memory_mb)
