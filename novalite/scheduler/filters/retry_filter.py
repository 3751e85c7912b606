"""RetryFilter: never choose a host this instance already failed on."""
from novalite.scheduler import filters


class RetryFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        return (host_state.host, host_state.nodename) not in self.tried(spec)

    def filter_all(self, host_states, spec):
        tried = self.tried(spec)
        if not tried:
            return list(host_states)
        return [h for h in host_states if (h.host, h.nodename) not in tried]

    @staticmethod
    def tried(spec):
        return {tuple(h) for h in (spec.retry or {}).get('hosts', [])}

    def explain(self, spec, before, after):
        return 'RetryFilter: %d of %d hosts were not tried before' % (after, before)
