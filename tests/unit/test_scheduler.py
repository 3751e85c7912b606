"""Filters, weighers and the choice among equal hosts (no database needed:
host states are built from the same dicts the SQL layer returns)."""
import collections
import datetime

import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite import exception
from novalite.objects.request_spec import RequestSpec
from novalite.scheduler import host_manager
from novalite.scheduler import manager

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
