"""DiskFilter: enough local disk, counting disk_allocation_ratio."""
from novalite.scheduler import filters


class DiskFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        total_mb = host_state.total_usable_disk_gb * 1024
        limit = total_mb * host_state.disk_allocation_ratio
        used = total_mb - host_state.free_disk_mb
        host_state.limits['disk_gb'] = limit / 1024
        return limit - used >= spec.disk_gb * 1024

    def explain(self, spec, before, after):
        return 'DiskFilter: %d of %d hosts have %d GB disk free' % (after, before, spec.disk_gb)
