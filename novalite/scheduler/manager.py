"""The scheduler (seed 3.8's select_destinations): filter, weigh, pick.

Host states come from SQL.  Placements this scheduler made whose claim has
not reached the compute node row yet are kept as pending and consumed from
the host states, so concurrent requests spread over equal hosts instead of
piling onto the one that looked best a moment ago.

Requests are placed one at a time (a lock), but their database reads are
made before taking it: concurrent requests wait for the database together,
and the lock is held only for the placement itself, in memory.
"""
import logging
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg
from stevedore import named

from novalite.db import api as db
from novalite import exception
from novalite.objects.request_spec import Selection
from novalite.scheduler import host_manager
from novalite.scheduler import ranking as ranking_mod

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
        # which pending placements are claimed, read before the host states:
        # a claim that lands between the two reads is then counted twice
        # (its host looks fuller until the next request), never missed
        with self._lock:
            pending = list(self._pending)
        claimed = db.instances_claimed(pending) if pending else set()
        hosts = self.host_manager.get_all_host_states(CONF.default_availability_zone)
        with self._lock:
            self._consume_pending(hosts, claimed)
            result = self._schedule(spec_obj, instance_uuids, hosts, return_alternates)
            now = time.monotonic()
            for uuid, selections in zip(instance_uuids, result):
                self._pending[uuid] = (selections[0].compute_node_id, spec_obj, now)
        LOG.info('Selected %s for %s', [r[0].service_host for r in result], instance_uuids)
        return result

    # -- the algorithm ------------------------------------------------------
    def _schedule(self, spec, instance_uuids, hosts, return_alternates):
        """Filter and weigh once; after each placement only the host that
        took it is filtered and weighed again (its capacity is all that
        changed), so a multi-create costs one pass over the hosts, not one
        per instance."""
        if not hosts:
            raise exception.NoValidHost(reason='There are no compute hosts.')
        hosts, forced = self._destinations(hosts, spec)
        passing, why = (hosts, '') if forced else self._filter(hosts, spec)
        if not passing:
            raise exception.NoValidHost(reason=why)
        ranking = ranking_mod.Ranking(self.weighers, passing, spec)
        subset_size = CONF.filter_scheduler.host_subset_size
        attempts = CONF.scheduler.max_attempts if return_alternates else 1
        result, chosen = [], None
        for _uuid in instance_uuids:
            if chosen is not None:
                if forced or self._passes(chosen, spec):
                    ranking.reweigh(chosen)
                else:
                    ranking.remove(chosen)
                if not ranking:
                    _none, why = self._filter(hosts, spec)
                    raise exception.NoValidHost(
                        reason='There are not enough hosts available. ' + why)
            chosen = ranking.choose(subset_size)
            chosen.consume_from_request(spec)
            result.append([self._selection(h) for h in
                           [chosen] + ranking.alternates(chosen.host, attempts - 1)])
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
            before = remaining
            remaining = f.filter_all(remaining, spec)
            if not remaining:
                if f.may_pass_soon(before, spec):
                    raise exception.NoValidHostYet(reason=f.explain(spec, len(before), 0))
                return [], f.explain(spec, len(before), 0)
        return remaining, ''

    def _passes(self, host, spec):
        """Does ``host`` still pass after consuming a placement?  Filters run
        once per request are not asked again (as in Nova)."""
        return all(f.filter_all([host], spec) for f in self.filters
                   if not f.run_filter_once_per_request)

    @staticmethod
    def _selection(h):
        return Selection(service_host=h.host, nodename=h.nodename,
                         compute_node_id=h.compute_node_id, limits=dict(h.limits))

    def _consume_pending(self, hosts, claimed):
        """Apply this scheduler's placements that compute has not claimed yet
        (not in ``claimed``; one made since ``claimed`` was read counts as
        not claimed)."""
        now = time.monotonic()
        for uuid in [u for u, (_n, _s, t) in self._pending.items() if now - t > PENDING_TTL]:
            del self._pending[uuid]
        if not self._pending:
            return
        by_node = {h.compute_node_id: h for h in hosts}
        for uuid in list(self._pending):
            node_id, spec, _t = self._pending[uuid]
            if uuid in claimed:
                del self._pending[uuid]
            elif node_id in by_node:
                by_node[node_id].consume_from_request(spec)
