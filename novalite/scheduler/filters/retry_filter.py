"""RetryFilter: never choose a host this instance already failed on."""
from novalite.scheduler import filters


class RetryFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        tried = (spec.retry or {}).get('hosts', [])
        return [host_state.host, host_state.nodename] not in [list(h) for h in tried]

    def explain(self, spec, before, after):
        return 'RetryFilter: %d of %d hosts were not tried before' % (after, before)
