"""Filters, weighers and the choice among equal hosts (no database needed:
host states are built from the same dicts the SQL layer returns)."""
import collections
import datetime
import random
import time

import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite import exception
from novalite.objects.request_spec import RequestSpec
from novalite.scheduler import host_manager
from novalite.scheduler import manager
from novalite.scheduler import weights

CONF = cfg.CONF


def _state(host, ram=8192, vcpus=4, disk=100, up=True, disabled=False):
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    seen = now if up else now - datetime.timedelta(hours=1)
    node = {'host': host, 'hypervisor_hostname': host, 'id': hash(host) % 1000,
            'vcpus': vcpus, 'memory_mb': ram, 'local_gb': disk, 'vcpus_used': 0,
            'memory_mb_used': 0, 'local_gb_used': 0, 'running_vms': 0,
            'cpu_allocation_ratio': 4.0, 'ram_allocation_ratio': 1.0,
            'disk_allocation_ratio': 1.0}
    s = host_manager.HostState(node, {'disabled': disabled, 'last_seen_up': seen})
    s.availability_zone = 'nova'
    return s


def _spec(ram=512, vcpus=1, disk=1, n=1):
    return RequestSpec(flavor={'memory_mb': ram, 'vcpus': vcpus, 'root_gb': disk,
                               'ephemeral_gb': 0, 'swap': 0}, num_instances=n, retry=None,
                       availability_zone=None)


@pytest.fixture
def sched():
    return manager.SchedulerManager()


def test_no_host_has_the_ram(sched):
    hosts = [_state('a'), _state('b'), _state('c')]
    with pytest.raises(exception.NoValidHost) as e:
        sched._schedule(_spec(ram=16384), ['u1'], hosts, True)
    assert e.value.format_message() == \
        'No valid host was found. RamFilter: 0 of 3 hosts have 16384 MB free'


def test_down_and_disabled_hosts_are_ignored(sched):
    hosts = [_state('down', up=False), _state('off', disabled=True), _state('ok')]
    result = sched._schedule(_spec(), ['u1'], hosts, True)
    assert [s.service_host for s in result[0]] == ['ok']
    with pytest.raises(exception.NoValidHost) as e:
        sched._schedule(_spec(), ['u1'], hosts[:2], True)
    assert 'ComputeFilter: 0 of 2 hosts are up and enabled' in e.value.format_message()


def _down_for(host, seconds, **kwargs):
    s = _state(host, **kwargs)
    s.service['last_seen_up'] -= datetime.timedelta(seconds=CONF.service_down_time + seconds)
    return s


def test_hosts_just_gone_down_make_the_build_wait(sched):
    """No host up, but an enabled one went down seconds ago (its heartbeats
    held up by a broker outage): NoValidHostYet, which the conductor waits
    out; once it is down longer than [scheduler] wait_for_down_hosts, or when
    the only recent one is disabled, plain NoValidHost."""
    wait = CONF.scheduler.wait_for_down_hosts
    with pytest.raises(exception.NoValidHostYet) as e:
        sched._schedule(_spec(), ['u1'], [_down_for('a', 5), _state('old', up=False)], True)
    assert e.value.format_message() == \
        'No valid host was found. ComputeFilter: 0 of 2 hosts are up and enabled'
    for hosts in ([_down_for('a', wait + 5)], [_down_for('a', 5, disabled=True)]):
        with pytest.raises(exception.NoValidHost) as e:
            sched._schedule(_spec(), ['u1'], hosts, True)
        assert type(e.value) is exception.NoValidHost
    # a reschedule off the host that just died does not wait for it
    spec = _spec()
    spec.retry = {'num_attempts': 1, 'hosts': [['a', 'a']]}
    with pytest.raises(exception.NoValidHost) as e:
        sched._schedule(spec, ['u1'], [_down_for('a', 5)], True)
    assert type(e.value) is exception.NoValidHost
    CONF.set_override('wait_for_down_hosts', 0, 'scheduler')
    try:
        with pytest.raises(exception.NoValidHost) as e:
            sched._schedule(_spec(), ['u1'], [_down_for('a', 1)], True)
        assert type(e.value) is exception.NoValidHost
    finally:
        CONF.clear_override('wait_for_down_hosts', 'scheduler')


def test_multi_create_consumes_capacity_in_memory(sched):
    hosts = [_state('a', ram=1024), _state('b', ram=1024)]
    result = sched._schedule(_spec(ram=1024), ['u1', 'u2'], hosts, True)
    assert sorted(r[0].service_host for r in result) == ['a', 'b']
    with pytest.raises(exception.NoValidHost) as e:
        sched._schedule(_spec(ram=1024), ['u3', 'u4', 'u5'],
                        [_state('a', ram=1024), _state('b', ram=1024)], True)
    assert 'There are not enough hosts available.' in e.value.format_message()


def test_equal_hosts_share_load(sched):
    counts = collections.Counter()
    for _ in range(200):
        hosts = [_state('a'), _state('b'), _state('c')]
        counts[sched._schedule(_spec(), ['u'], hosts, True)[0][0].service_host] += 1
    assert set(counts) == {'a', 'b', 'c'} and min(counts.values()) > 30, counts


def test_alternates_are_other_hosts_and_retry_excludes_tried(sched):
    hosts = [_state('a', ram=16384), _state('b'), _state('c')]
    result = sched._schedule(_spec(), ['u'], hosts, True)
    assert [s.service_host for s in result[0]][0] == 'a'
    assert sorted(s.service_host for s in result[0][1:]) == ['b', 'c']
    spec = _spec()
    spec.retry = {'num_attempts': 1, 'hosts': [['a', 'a']]}
    result = sched._schedule(spec, ['u'], [_state('a', ram=16384), _state('b')], True)
    assert result[0][0].service_host == 'b'


def test_forced_host_skips_filters_and_requested_destination_filters(sched):
    full = _state('full', ram=512)          # no room for a 1024 MB flavor
    roomy = _state('roomy')
    # az:host (admin): only that host, filters skipped (Nova: forcing skips them)
    spec = _spec(ram=1024)
    spec.force_hosts = 'full'
    assert [s[0].service_host for s in sched._schedule(spec, ['u1'], [full, roomy], True)] \
        == ['full']
    # 2.74 host: only that host, and the filters still run
    spec = _spec(ram=1024)
    spec.requested_destination = {'host': 'full', 'node': None}
    with pytest.raises(exception.NoValidHost, match='RamFilter'):
        sched._schedule(spec, ['u1'], [full, roomy], True)
    spec.requested_destination = {'host': None, 'node': 'roomy'}
    assert sched._schedule(spec, ['u1'], [full, roomy], True)[0][0].service_host == 'roomy'
    spec.requested_destination = {'host': 'elsewhere', 'node': None}
    with pytest.raises(exception.NoValidHost, match='not a compute node'):
        sched._schedule(spec, ['u1'], [full, roomy], True)


# -- the incremental multi-create gives what weighing every host again gives ----------
def _reference_schedule(sched, spec, count, hosts):
    """The plain algorithm: filter and weigh every host for every instance."""
    result = []
    for num in range(count):
        passing = hosts
        for f in sched.filters:
            passing = f.filter_all(passing, spec)
        if not passing:
            return result, 'NoValidHost after %d' % num
        totals = [0.0] * len(passing)
        for w in sched.weighers:
            raw = weights.normalize([w.weigh(h, spec) for h in passing])
            totals = [t + w.weight_multiplier() * r for t, r in zip(totals, raw)]
        ranked = sorted(zip(passing, totals), key=lambda hw: hw[1], reverse=True)
        best = ranked[0][1]
        size = max(CONF.filter_scheduler.host_subset_size,
                   sum(1 for _h, w in ranked if w >= best - 1e-9))
        chosen = random.choice(ranked[:size])[0]
        chosen.consume_from_request(spec)
        picks, seen = [chosen], {chosen.host}
        for h, _w in ranked:
            if h.host not in seen and len(picks) < CONF.scheduler.max_attempts:
                seen.add(h.host)
                picks.append(h)
        result.append([(h.host, h.nodename) for h in picks])
    return result, None


class _FewInstancesWeigher(weights.BaseHostWeigher):
    def weight_multiplier(self):
        return 0.5

    def weigh(self, host_state, spec):
        return -host_state.num_instances


def _node_states(seed):
    """Hosts of 1 to 4 nodes of mixed sizes, some nearly full."""
    rnd = random.Random(seed)
    svc = {h: {'disabled': False, 'last_seen_up': datetime.datetime.now(
        datetime.timezone.utc).replace(tzinfo=None)} for h in 'abcdef'}
    states, node_id = [], 0
    for host in 'abcdef':
        for n in range(rnd.randint(1, 4)):
            node_id += 1
            ram = rnd.choice([1024, 2048, 4096, 8192])
            node = {'id': node_id, 'host': host, 'hypervisor_hostname': '%s-%d' % (host, n),
                    'vcpus': rnd.choice([2, 4, 8]), 'memory_mb': ram, 'local_gb': 50,
                    'vcpus_used': rnd.randint(0, 2),
                    'memory_mb_used': rnd.choice([0, 512, ram // 2]),
                    'local_gb_used': 0, 'running_vms': rnd.randint(0, 3),
                    'cpu_allocation_ratio': 1.0, 'ram_allocation_ratio': 1.0,
                    'disk_allocation_ratio': 1.0}
            s = host_manager.HostState(node, svc[host])
            s.availability_zone = 'nova'
            states.append(s)
    return states


@pytest.mark.parametrize('subset_size', [1, 3])
def test_multi_create_matches_weighing_every_host_again(sched, subset_size):
    CONF.set_override('host_subset_size', subset_size, 'filter_scheduler')
    sched.weighers = sched.weighers + [_FewInstancesWeigher()]
    try:
        for seed in range(40):
            count = 5 + seed % 30
            random.seed(seed)
            expected, failed = _reference_schedule(sched, _spec(), count, _node_states(seed))
            random.seed(seed)
            try:
                got = [[(s.service_host, s.nodename) for s in r]
                       for r in sched._schedule(_spec(), ['u'] * count, _node_states(seed), True)]
            except exception.NoValidHost:
                got = None
            assert got == (None if failed else expected), (seed, failed)
    finally:
        CONF.clear_override('host_subset_size', 'filter_scheduler')


def test_many_nodes_of_one_service_are_judged_once(sched, monkeypatch):
    calls = []
    real = host_manager.db_hosts.service_is_up
    monkeypatch.setattr(host_manager.db_hosts, 'service_is_up',
                        lambda svc, at=None: calls.append(1) or real(svc, at))
    svc = {'disabled': False, 'last_seen_up': datetime.datetime.now(
        datetime.timezone.utc).replace(tzinfo=None)}
    hosts = [host_manager.HostState.from_row(
        (i, 'big', 'big-node%d' % i, 8, 16384, 100, 0, 0, 0, 0, 4.0, 1.0, 1.0), svc)
        for i in range(1000)]
    result = sched._schedule(_spec(), ['u1', 'u2'], hosts, True)
    assert len(calls) == 2      # all 1000 nodes at once, then the node that took u1
    assert {r[0].nodename for r in result} <= {h.nodename for h in hosts}
    assert [len(r) for r in result] == [1, 1]     # no other host to retry on


@pytest.mark.parametrize('resource', ['ram', 'vcpus', 'disk'])
def test_resource_filters_at_the_limit(resource):
    """Ram, Core and DiskFilter judge a whole list in one pass: a host with
    exactly the room passes, one unit short fails; each host checked gets
    its limit (the allocation ratio applied) as in Nova; one host alone is
    judged the same."""
    from novalite.scheduler.filters import core_filter, disk_filter, ram_filter
    flt, key = {'ram': (ram_filter.RamFilter(), 'memory_mb'),
                'vcpus': (core_filter.CoreFilter(), 'vcpu'),
                'disk': (disk_filter.DiskFilter(), 'disk_gb')}[resource]
    exact, short = _state('exact'), _state('short')
    exact.free_ram_mb, short.free_ram_mb = 1024, 1023
    exact.vcpus_used, short.vcpus_used = 4 * 4 - 2, 4 * 4 - 1      # ratio 4.0, 4 vCPUs
    exact.free_disk_mb, short.free_disk_mb = 3 * 1024, 3 * 1024 - 1
    spec = _spec(ram=1024, vcpus=2, disk=3)
    assert flt.filter_all([short, exact, short], spec) == [exact]
    assert flt.host_passes(exact, spec) and not flt.host_passes(short, spec)
    assert exact.limits[key] == short.limits[key] == {
        'memory_mb': 8192.0, 'vcpu': 16.0, 'disk_gb': 100.0}[key]


def test_requests_read_the_database_outside_the_lock(sched, monkeypatch):
    """A request whose database read is slow holds up no other request's
    placement; it then counts that placement as pending (the two equal
    hosts get one each).  The claims are read before the host states, so a
    claim landing between the two reads is counted twice, never missed."""
    import threading
    reading, release, reads, slow = threading.Event(), threading.Event(), [], []

    def states(az):
        reads.append('states')
        if not reading.is_set():
            reading.set()
            assert release.wait(10)
        return [_state('a'), _state('b')]

    def claimed(uuids):
        reads.append('claims')
        return set()
    monkeypatch.setattr(sched.host_manager, 'get_all_host_states', states)
    monkeypatch.setattr(manager.db, 'instances_claimed', claimed)
    # long expired, but its claim is read first all the same
    sched._pending['u0'] = (999, _spec(), time.monotonic() - 2 * manager.PENDING_TTL)
    first = threading.Thread(target=lambda: slow.append(
        sched.select_destinations(None, _spec(), ['u1'])))
    first.start()
    assert reading.wait(10)
    fast = sched.select_destinations(None, _spec(), ['u2'])
    release.set()
    first.join(10)
    assert slow and not first.is_alive()
    assert {slow[0][0][0].service_host, fast[0][0].service_host} == {'a', 'b'}
    assert reads[:2] == ['claims', 'states'], reads
