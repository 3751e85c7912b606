"""ComputeFilter: the compute service must be up and enabled."""
import datetime

from oslo_config import cfg

from novalite.db import hosts as db_hosts
from novalite.db import session as db_session
from novalite.scheduler import filters
from novalite.scheduler.filters import retry_filter

CONF = cfg.CONF


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

    def may_pass_soon(self, host_states, spec):
        """An enabled host that went down less than [scheduler]
        wait_for_down_hosts seconds ago, and that this instance has not
        tried yet (a host its build already failed on, or died on, is never
        chosen again): its heartbeats may only have been held up (they
        travel over the broker and a conductor)."""
        wait = CONF.scheduler.wait_for_down_hosts
        if not wait:
            return False
        since = db_session.now() - datetime.timedelta(
            seconds=CONF.service_down_time + wait)
        tried = retry_filter.RetryFilter.tried(spec)
        return any(_down_since(h.service, since) and (h.host, h.nodename) not in tried
                   for h in host_states)

    def explain(self, spec, before, after):
        return 'ComputeFilter: %d of %d hosts are up and enabled' % (after, before)


def _down_since(service, since):
    """Enabled, not forced down, and last seen up after ``since``."""
    last = service.get('last_seen_up') or service.get('updated_at')
    return (not service.get('disabled') and not service.get('forced_down') and
            last is not None and last > since)
