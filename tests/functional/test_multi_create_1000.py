"""max_count=1000 on the real broker and each database (issue 13): four
daemons, two fake computes, one of them presenting 200 nodes (many hosts
from one machine).  The scheduler is asked once for the whole request and
spreads it over every node, each host gets its instances in one message, the
computes send their builds' saves and events in shared calls, the claims
land on the nodes, and every server keeps its build timeline."""
import pytest

from tests.cloud import Cloud, wait_for

COUNT = 1000
HOSTS = ('compute1', 'compute2')
NODES = {'compute1': 1, 'compute2': 200}
# room for the 1,000 m1.tiny servers on each node; quotas lifted
CAPACITY = '[fake_driver]\nvcpus = 4096\nmemory_mb = 60000000\nlocal_gb = 1000000\n'
EXTRA = '\n[quota]\ninstances = -1\ncores = -1\nram = -1\n'
STEPS = ['conductor_schedule_and_build_instances', 'compute__do_build_and_run_instance',
         'compute_instance_claim', 'compute_allocate_network', 'compute_spawn']


@pytest.fixture
def cloud(tmp_path, db_url, rabbit_url):
    c = Cloud(tmp_path, db_url, rabbit_url, computes=HOSTS, extra_conf=EXTRA,
              compute_conf={h: CAPACITY + 'nodes = %d\n' % NODES[h] for h in HOSTS})
    try:
        c.start()
        wait_for(lambda: c.query('SELECT count(*) FROM compute_nodes')[0][0]
                 == sum(NODES.values()), 60, what='all nodes reported')
        yield c.seed_catalog()
    finally:
        c.stop()


def _admitted(cloud, name, method):
    """RPC messages of ``method`` the daemon admitted (its debug log)."""
    return cloud.log_text(name).count('Admitted RPC %s from' % method)


def test_one_request_of_1000_servers(cloud):
    selected = cloud.log_text('scheduler').count('Selected ')
    r = cloud.boot('k', min_count=COUNT, max_count=COUNT, return_reservation_id=True)
    assert r.status == 202, r.raw
    rid = r.json['reservation_id']

    def statuses():
        return cloud.query('SELECT vm_state, count(*) FROM instances WHERE reservation_id = :r '
                           'GROUP BY vm_state', r=rid)
    wait_for(lambda: statuses() == [('active', COUNT)], 180, interval=0.5,
             what='%d servers ACTIVE' % COUNT)

    # one scheduling for the request; one message per host, none per instance
    assert cloud.log_text('scheduler').count('Selected ') == selected + 1
    per_host = dict(cloud.query('SELECT host, count(*) FROM instances WHERE '
                                'reservation_id = :r GROUP BY host', r=rid))
    assert set(per_host) == set(HOSTS) and sum(per_host.values()) == COUNT, per_host
    for host in HOSTS:
        assert _admitted(cloud, host, 'compute.build_and_run_instances') == 1, host
        assert _admitted(cloud, host, 'compute.build_and_run_instance') == 0, host
    # spread over every node; the claims: each node counts exactly its servers
    per_node = dict(cloud.query('SELECT node, count(*) FROM instances WHERE '
                                'reservation_id = :r GROUP BY node', r=rid))
    usage = dict(cloud.query('SELECT hypervisor_hostname, running_vms FROM compute_nodes'))
    assert len(per_node) == sum(NODES.values()) and per_node == usage, (per_node, usage)
    # a host's builds share their calls to the conductor: far fewer than the
    # servers (one call per step of each server would be 3,000)
    calls = _admitted(cloud, 'conductor', 'conductor.instance_steps')
    assert 0 < calls < COUNT, calls
    # every server keeps its build timeline, each step once and successful
    events = cloud.query(
        'SELECT e.event, count(*), count(DISTINCT a.instance_uuid) FROM instance_actions a '
        'JOIN instance_actions_events e ON e.action_id = a.id JOIN instances i ON '
        "i.uuid = a.instance_uuid WHERE i.reservation_id = :r AND e.result = 'Success' "
        'GROUP BY e.event', r=rid)
    assert sorted(events) == sorted((step, COUNT, COUNT) for step in STEPS)
    listed = cloud.request('GET', cloud.servers_path(
        '/detail?reservation_id=%s&limit=%d' % (rid, COUNT))).json['servers']
    assert len(listed) == COUNT and {s['status'] for s in listed} == {'ACTIVE'}
