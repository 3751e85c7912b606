"""DiskFilter: enough local disk, counting disk_allocation_ratio."""
from novalite.scheduler import filters


class DiskFilter(filters.OnePassFilter):
    def filter_all(self, host_states, spec):
        need, kept = spec.disk_gb * 1024, []
        for h in host_states:
            total_mb = h.total_usable_disk_gb * 1024
            limit = total_mb * h.disk_allocation_ratio
            h.limits['disk_gb'] = limit / 1024
            if limit - (total_mb - h.free_disk_mb) >= need:
                kept.append(h)
        return kept

    def explain(self, spec, before, after):
        return 'DiskFilter: %d of %d hosts have %d GB disk free' % (after, before, spec.disk_gb)
