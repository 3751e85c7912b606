#!/usr/bin/env python
"""Scheduler benchmark: select_destinations among many compute nodes.

A fresh PostgreSQL database (``tests/services.py``) gets ``--hosts`` compute
services of ``--nodes-per-host`` nodes each, registered the way a compute
registers them (``compute_nodes_report``: one transaction per host, timed),
and optionally ``--instances`` live instances claimed on those nodes.  The
scheduler's ``select_destinations`` (the RPC method's body, in this process:
the database read, the filters, the weighers, the choice) is then timed:

* ``--runs`` requests for 1 instance: p50 / p90 / p99 / max;
* ``--multi-runs`` requests for ``--max-count`` instances (a multi-create).

Wall time and this process's CPU time (the scheduler's own work, without
the database server's) are reported for each; on a shared machine the CPU
time is the figure that does not depend on the other jobs.

The scheduler keeps each placement pending until the compute claims it; no
compute claims here, so the pending placements are dropped between requests
(as the claims would have dropped them).

    python benchmarks/scheduler_benchmark.py [--hosts 10] [--nodes-per-host 1000] \\
        [--instances 0] [--runs 50] [--max-count 1000] [--json out.json]
"""
import argparse
import json
import os
import pathlib
import statistics
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from oslo_config import cfg  # noqa: E402

from novalite.cmd import common  # noqa: E402
import novalite.conf  # noqa: E402,F401
from novalite import context as nl_context  # noqa: E402
from novalite.db import api as db  # noqa: E402
from novalite.db import hosts as db_hosts  # noqa: E402
from novalite.db import migration  # noqa: E402
from novalite.db import session as db_session  # noqa: E402
from novalite.objects.request_spec import RequestSpec  # noqa: E402
from novalite.scheduler import manager  # noqa: E402
from tests import services  # noqa: E402

CONF = cfg.CONF
FLAVOR = {'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0}
RESERVED = {'memory_mb': 512, 'vcpus': 0, 'disk_gb': 0}
RATIOS = {'cpu': 16.0, 'ram': 1.5, 'disk': 1.0}


def _ms(values):
    s = sorted(values)
    pick = lambda p: round(1000 * s[min(len(s) - 1, int(p / 100.0 * len(s)))], 2)  # noqa: E731
    return {'p50': pick(50), 'p90': pick(90), 'p99': pick(99),
            'max': round(1000 * s[-1], 2), 'mean': round(1000 * statistics.mean(s), 2),
            'runs': len(s)}


def register(hosts, per_host):
    """The compute services and their nodes, as the computes report them."""
    times = []
    for h in range(1, hosts + 1):
        host = 'compute%d' % h
        db_hosts.service_heartbeat(host, 'novalite-compute', 'compute')
        nodes = [{'hypervisor_hostname': '%s-node%d' % (host, n), 'vcpus': 64,
                  'memory_mb': 262144, 'local_gb': 2000, 'hypervisor_type': 'fake',
                  'hypervisor_version': 1000, 'cpu_info': '{"arch": "x86_64"}',
                  'supported_instances': [['x86_64', 'fake', 'hvm']]}
                 for n in range(1, per_host + 1)]
        t = time.perf_counter()
        db_hosts.compute_nodes_report(host, nodes, RESERVED, RATIOS)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        db_hosts.compute_nodes_report(host, nodes, RESERVED, RATIOS)   # the periodic one
        times.append(time.perf_counter() - t)
    return {'first_report_s': round(statistics.mean(times[0::2]), 3),
            'periodic_report_s': round(statistics.mean(times[1::2]), 3)}


def add_instances(count):
    """``count`` live instances claimed round-robin on the nodes."""
    nodes = db_hosts.compute_node_get_all()

    class Ctx:
        request_id, user_id, project_id = 'req-bench', 'bench', 'bench'
    for start in range(0, count, 500):
        rows = []
        for i in range(start, min(count, start + 500)):
            node = nodes[i % len(nodes)]
            rows.append(dict(FLAVOR, uuid=str(uuid.uuid4()), project_id='bench',
                             user_id='bench', vm_state='building', task_state='scheduling',
                             host=node['host'], display_name='bench-%d' % i))
        db.instance_create_many(Ctx(), rows)
        for row in rows:
            node = nodes[int(row['display_name'].split('-')[1]) % len(nodes)]
            db_hosts.instance_claim(row['uuid'], node['host'], node['hypervisor_hostname'])


def time_select(sched, count, runs):
    ctx = nl_context.get_admin_context()
    times, cpu = [], []
    for _ in range(runs):
        spec = RequestSpec(flavor=dict(FLAVOR), num_instances=count, retry=None,
                           availability_zone=None)
        uuids = [str(uuid.uuid4()) for _ in range(count)]
        t, c = time.perf_counter(), time.process_time()
        result = sched.select_destinations(ctx, spec, uuids)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        assert len(result) == count
        sched._pending.clear()      # what the computes' claims would do
    return times, cpu, result


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--hosts', type=int, default=10)
    p.add_argument('--nodes-per-host', type=int, default=1000)
    p.add_argument('--instances', type=int, default=0)
    p.add_argument('--runs', type=int, default=50)
    p.add_argument('--max-count', type=int, default=1000)
    p.add_argument('--multi-runs', type=int, default=5)
    p.add_argument('--json')
    args = p.parse_args(argv)
    CONF([], project='novalite')
    with tempfile.TemporaryDirectory() as tmp:
        url, drop = services.create_database('postgresql', pathlib.Path(tmp))
        try:
            CONF.set_override('connection', url, 'database')
            migration.db_sync()
            out = {'hosts': args.hosts, 'nodes': args.hosts * args.nodes_per_host,
                   'instances': args.instances}
            out['register'] = register(args.hosts, args.nodes_per_host)
            if args.instances:
                add_instances(args.instances)
            sched = manager.SchedulerManager()
            common.freeze_startup_objects()                # as the daemon does
            time_select(sched, 1, 3)                       # warm-up: pool, caches
            t = time.perf_counter()
            states = sched.host_manager.get_all_host_states('nova')
            out['read_host_states_ms'] = round(1000 * (time.perf_counter() - t), 2)
            assert len(states) == out['nodes'], len(states)
            one, one_cpu, _r = time_select(sched, 1, args.runs)
            out['select_1_ms'] = _ms(one)
            out['select_1_cpu_ms'] = _ms(one_cpu)
            multi, multi_cpu, result = time_select(sched, args.max_count, args.multi_runs)
            out['select_%d_ms' % args.max_count] = _ms(multi)
            out['select_%d_cpu_ms' % args.max_count] = _ms(multi_cpu)
            out['loadavg'] = os.getloadavg()
            out['distinct_nodes_of_%d' % args.max_count] = len(
                {r[0].nodename for r in result})
        finally:
            db_session.dispose_engine()
            drop()
    text = json.dumps(out, indent=2, sort_keys=True)
    print(text)
    if args.json:
        pathlib.Path(args.json).write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
