"""The scheduler (seed 3.8's select_destinations): filter, weigh, pick.

Host states come from SQL.  Placements this scheduler made whose claim has
not reached the compute node row yet are kept as pending and consumed from
the host states, so concurrent requests spread over equal hosts instead of
piling onto the one that looked best a moment ago.
"""
import logging
import random
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg
from stevedore import named

from novalite.db import api as db
from novalite import exception
from novalite.objects.request_spec import Selection
from novalite.scheduler import host_manager
from novalite.scheduler import weights as weights_mod

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

PENDING_TTL = 60.0


def _load(namespace, names):
    mgr = named.NamedExtensionManager(namespace, names, invoke_on_load=True,
                                      name_order=True, on_missing_entrypoints_callback=_missing)
    return [ext.obj for ext in mgr]


def _missing(names):
    raise SystemExit('Unknown scheduler plugins: %s' % ', '.join(sorted(names)))


class SchedulerManager:
    target = messaging.Target(version='4.5')

    def __init__(self):
        self.host_manager = host_manager.HostManager()
        self.filters = _load('novalite.scheduler.filters',
                             CONF.filter_scheduler.enabled_filters)
        self.weighers = _load('novalite.scheduler.weighers',
                              CONF.filter_scheduler.weight_classes)
        self._lock = threading.Lock()
        self._pending = {}   # instance uuid -> (compute_node_id, spec, monotonic time)

    # -- RPC --------------------------------------------------------------
    def select_destinations(self, context, spec_obj, instance_uuids, return_alternates=True):
        with self._lock:
            hosts = self.host_manager.get_all_host_states(CONF.default_availability_zone)
            self._consume_pending(hosts)
            result = self._schedule(spec_obj, instance_uuids, hosts, return_alternates)
            now = time.monotonic()
            for uuid, selections in zip(instance_uuids, result):
                self._pending[uuid] = (selections[0].compute_node_id, spec_obj, now)
        LOG.info('Selected %s for %s', [r[0].service_host for r in result], instance_uuids)
        return result

    # -- the algorithm ------------------------------------------------------
    def _schedule(self, spec, instance_uuids, hosts, return_alternates):
        if not hosts:
            raise exception.NoValidHost(reason='There are no compute hosts.')
        hosts, forced = self._destinations(hosts, spec)
        result = []
        for num, _uuid in enumerate(instance_uuids):
            passing, why = (hosts, '') if forced else self._filter(hosts, spec)
            if not passing:
                if num:
                    why = 'There are not enough hosts available. ' + why
                raise exception.NoValidHost(reason=why)
            ranked = self._weigh(passing, spec)
            chosen = self._pick(ranked)
            chosen.consume_from_request(spec)
            selections = [self._selection(chosen)]
            if return_alternates:
                others = [h for h, _w in ranked if h.host != chosen.host]
                seen = set()
                for h in others:
                    if h.host not in seen and len(selections) < CONF.scheduler.max_attempts:
                        seen.add(h.host)
                        selections.append(self._selection(h))
            result.append(selections)
        return result

    @staticmethod
    def _destinations(hosts, spec):
        """Nova's destinations: an admin's ``az:host[:node]`` keeps only that
        host/node and skips the filters (forced); a 2.74 ``host``/
        ``hypervisor_hostname`` keeps only that host/node and still filters.
        Returns (hosts, forced)."""
        forced = bool(spec.force_hosts or spec.force_nodes)
        dest = spec.requested_destination or {}
        host, node = ((spec.force_hosts, spec.force_nodes) if forced
                      else (dest.get('host'), dest.get('node')))
        if not (host or node):
            return hosts, False
        names = [host] if isinstance(host, str) else list(host or [])
        nodes = [node] if isinstance(node, str) else list(node or [])
        kept = [h for h in hosts if (not names or h.host in names) and
                (not nodes or h.nodename in nodes)]
        if not kept:
            raise exception.NoValidHost(reason='The requested destination (host %s, node %s) '
                                        'is not a compute node.' % (host, node))
        return kept, forced

    def _filter(self, hosts, spec):
        remaining = hosts
        for f in self.filters:
            before = len(remaining)
            remaining = f.filter_all(remaining, spec)
            if not remaining:
                return [], f.explain(spec, before, 0)
        return remaining, ''

    def _weigh(self, hosts, spec):
        totals = [0.0] * len(hosts)
        for w in self.weighers:
            raw = weights_mod.normalize([w.weigh(h, spec) for h in hosts])
            mult = w.weight_multiplier()
            totals = [t + mult * r for t, r in zip(totals, raw)]
        return sorted(zip(hosts, totals), key=lambda hw: hw[1], reverse=True)

    @staticmethod
    def _pick(ranked):
        """Random among the best ``host_subset_size`` hosts, and always among
        all hosts tied for the best weight: equal hosts share load."""
        best = ranked[0][1]
        size = max(CONF.filter_scheduler.host_subset_size,
                   sum(1 for _h, w in ranked if w >= best - 1e-9))
        return random.choice(ranked[:size])[0]

    @staticmethod
    def _selection(h):
        return Selection(service_host=h.host, nodename=h.nodename,
                         compute_node_id=h.compute_node_id, limits=dict(h.limits))

    def _consume_pending(self, hosts):
        """Apply this scheduler's placements that compute has not claimed yet."""
        now = time.monotonic()
        for uuid in [u for u, (_n, _s, t) in self._pending.items() if now - t > PENDING_TTL]:
            del self._pending[uuid]
        if not self._pending:
            return
        claimed = db.instances_claimed(list(self._pending))
        by_node = {h.compute_node_id: h for h in hosts}
        for uuid in list(self._pending):
            node_id, spec, _t = self._pending[uuid]
            if uuid in claimed:
                del self._pending[uuid]
            elif node_id in by_node:
                by_node[node_id].consume_from_request(spec)
