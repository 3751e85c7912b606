"""ComputeFilter: the compute service must be up and enabled."""
from novalite.db import hosts as db_hosts
from novalite.scheduler import filters


class ComputeFilter(filters.BaseHostFilter):
    def host_passes(self, host_state, spec):
        svc = host_state.service
        return not svc.get('disabled') and db_hosts.service_is_up(svc)

    def filter_all(self, host_states, spec):
        """Judged once per service: the nodes of one host share it."""
        verdicts = {}
        kept = []
        for h in host_states:
            ok = verdicts.get(id(h.service))
            if ok is None:
                ok = verdicts[id(h.service)] = self.host_passes(h, spec)
            if ok:
                kept.append(h)
        return kept

    def explain(self, spec, before, after):
        return 'ComputeFilter: %d of %d hosts are up and enabled' % (after, before)
