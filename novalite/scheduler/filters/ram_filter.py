"""RamFilter: enough free RAM, counting ram_allocation_ratio."""
from novalite.scheduler import filters


class RamFilter(filters.OnePassFilter):
    def filter_all(self, host_states, spec):
        need, kept = spec.memory_mb, []
        for h in host_states:
            total = h.total_usable_ram_mb
            limit = total * h.ram_allocation_ratio
            h.limits['memory_mb'] = limit
            if limit - (total - h.free_ram_mb) >= need:
                kept.append(h)
        return kept

    def explain(self, spec, before, after):
        return 'RamFilter: %d of %d hosts have %d MB free' % (after, before, spec.memory_mb)
