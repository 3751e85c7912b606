#!/usr/bin/env python
"""Scale benchmark (issue 13): novalite four-daemon and all-in-one, side by side.

Each mode gets a fresh PostgreSQL database and RabbitMQ vhost, the fake
driver with room for thousands of ``m1.tiny`` servers per node and unlimited
quotas, and is driven over HTTP by ``novalite-bench`` (``novalite/bench.py``):

1. 100 boots, one POST each, ``--concurrency`` 10: boots/s to ACTIVE, POST p50;
2. one POST with ``max_count=50`` -> all ACTIVE;
3. one POST with ``max_count=1000`` -> all ACTIVE;
4. (four-daemon mode, ``--present N``) 100 boots, then N more instances put
   on the hosts (rows claimed on the nodes, in another project, then the
   database's statistics updated as autovacuum would), then 100 boots
   again: boots/s and CPU per boot with N instances present against the run
   just before.

CPU-seconds per boot come from the services' /proc figures (all daemons,
children included) over each run; RSS per daemon is read after the
1000-server run.  Four-daemon mode runs ``--computes`` compute processes of
``--nodes`` fake nodes each; all-in-one runs ``novalite-all`` (one process,
one compute host).

    python benchmarks/scale_benchmark.py [--computes 2] [--nodes 1] \\
        [--present 10000] [--modes four,all] [--json out.json]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import shutil
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from novalite import bench  # noqa: E402
from tests.cloud import ADMIN_TOKEN, PROJECT, Cloud, wait_for  # noqa: E402
from tests import services  # noqa: E402

# the largest node the conductor accepts (conductor/validation.py): 4096 vCPUs (x 4.0
# allocation ratio), 60 TB of RAM: room for 16,000 m1.tiny servers per node
CAPACITY = '\n[fake_driver]\nvcpus = 4096\nmemory_mb = 60000000\nlocal_gb = 1000000\n'
# Nova's heartbeat defaults, not the test harness's 1 s / 6 s: a daemon busy with
# 1,000 builds may answer a heartbeat late without its computes looking down
# (the test harness asks for versioned notifications too; Nova's default is unversioned only)
QUOTA_UNLIMITED = ('\n[quota]\ninstances = -1\ncores = -1\nram = -1\n'
                   '[notifications]\nnotification_format = unversioned\n'
                   '[DEFAULT]\ndebug = false\nreport_interval = 10\nservice_down_time = 60\n')


def run_bench(cloud, only, boots=0, multi=0, concurrency=10, timeout=900):
    out = cloud.tmp / ('bench-%s.json' % uuid.uuid4().hex[:6])
    args = ['--endpoint', '%s/v2.1/%s' % (cloud.base, PROJECT), '--token', ADMIN_TOKEN,
            '--image', cloud.image_id, '--boots', str(boots), '--concurrency',
            str(concurrency), '--multi', str(multi), '--process', 'novalite-',
            '--only', only, '--timeline', '0', '--timeout', str(timeout), '--json', str(out)]
    bench.main(args)
    res = json.loads(out.read_text())
    res.pop('timeline', None)
    return res


def present(cloud, count, workers=4):
    """``count`` ACTIVE instances of another project, claimed on the nodes
    round-robin (written through novalite's own db layer)."""
    from oslo_config import cfg
    import novalite.conf  # noqa: F401
    from novalite.db import api as db
    from novalite.db import hosts as db_hosts
    from novalite.db import session as db_session
    cfg.CONF([], project='novalite', default_config_files=[])
    cfg.CONF.set_override('connection', cloud.db_url, 'database')
    db_session.dispose_engine()
    nodes = [(h, n) for h, n in cloud.query(
        'SELECT host, hypervisor_hostname FROM compute_nodes WHERE deleted = 0')]

    class Ctx:
        request_id, user_id, project_id = 'req-present', 'present', 'present'

    def batch(start):
        rows = [{'uuid': str(uuid.uuid4()), 'project_id': 'present', 'user_id': 'present',
                 'vm_state': 'active', 'task_state': None, 'power_state': 1,
                 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1, 'ephemeral_gb': 0, 'swap': 0,
                 'host': nodes[i % len(nodes)][0], 'display_name': 'present-%d' % i}
                for i in range(start, min(count, start + 250))]
        db.instance_create_many(Ctx(), rows)
        for i, row in zip(range(start, start + len(rows)), rows):
            db_hosts.instance_claim(row['uuid'], *nodes[i % len(nodes)])
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(batch, range(0, count, 250)))
    # the planner's statistics as autovacuum leaves them a minute later: right
    # after a bulk load they still describe the empty tables, and PostgreSQL
    # then reads the 10,000 new rows through the vm_state index for queries
    # that need a few (its CPU per 100 boots went from 0.3 to 0.6-0.9 s)
    with db_session.get_engine().connect() as conn:
        conn.execution_options(isolation_level='AUTOCOMMIT').exec_driver_sql('ANALYZE')
    db_session.dispose_engine()


def summary(runs):
    b, m50, m1000 = runs['boots'], runs['multi50'], runs['multi1000']
    return {
        'boots_per_s': round(b['boots']['boots_per_s'], 2),
        'post_p50_ms': round(1000 * b['boots']['post_s']['p50'], 1),
        'multi50_active_s': round(m50['multi']['all_final_s'], 2),
        'multi1000_active_s': round(m1000['multi']['all_final_s'], 2),
        'multi1000_post_s': round(m1000['multi']['post_s'], 2),
        'cpu_s_per_boot_100': round(b['cpu_s_per_boot'], 4),
        'cpu_s_per_boot_1000': round(m1000['cpu_s_per_boot'], 4),
        'rss_mib_after_1000': {n: s.get('rss_mib_each', s['rss_mib'])
                               for n, s in m1000['services'].items()},
        'errors': b['boots']['error'] + (50 - m50['multi']['active'])
        + (1000 - m1000['multi']['active']),
        # servers that only a full poll saw final (novalite/bench.py): their
        # times are late by up to its FULL_POLL_S
        'missed_by_since': b['boots']['missed_by_since'] + m50['multi']['missed_by_since']
        + m1000['multi']['missed_by_since'],
    }


def four_daemons(work, args):
    hosts = ['compute%d' % (i + 1) for i in range(args.computes)]
    conf = CAPACITY + ('nodes = %d\n' % args.nodes)
    cloud = Cloud(work, *args.db_and_vhost(work), computes=hosts,
                  compute_conf={h: conf for h in hosts}, extra_conf=QUOTA_UNLIMITED)
    try:
        cloud.start()
        wait_for(lambda: cloud.query('SELECT count(*) FROM compute_nodes')[0][0]
                 >= args.computes * args.nodes, 120, what='all nodes reported')
        cloud.seed_catalog()
        runs = measure(cloud, str(work))
        if args.present:
            # the comparison: the same 100 boots just before, with the project as it is
            runs['boots_before_present'] = run_bench(cloud, str(work), boots=100)
            t = time.monotonic()
            present(cloud, args.present)
            runs['present_s'] = round(time.monotonic() - t, 1)
            runs['boots_with_present'] = run_bench(cloud, str(work), boots=100)
        return runs
    finally:
        cloud.stop()


def all_in_one(work, args):
    cloud = Cloud(work, *args.db_and_vhost(work), computes=(), extra_conf=QUOTA_UNLIMITED)
    conf = work / 'all.conf'
    conf.write_text(cloud.conf.read_text().replace(
        '[DEFAULT]\n', '[DEFAULT]\ncompute_driver = fake\nhost = allinone\n', 1) + CAPACITY)
    try:
        cloud.manage('db', 'sync')
        cloud._spawn('all', 'novalite-all', conf)
        wait_for(cloud._api_up, 120, what='novalite-all')
        wait_for(lambda: cloud.query('SELECT count(*) FROM compute_nodes')[0][0], 60,
                 what='the compute node')
        cloud.seed_catalog()
        return measure(cloud, str(conf))
    finally:
        cloud.stop()


def measure(cloud, only):
    run_bench(cloud, only, boots=3, concurrency=3)          # warm-up, not counted
    return {'boots': run_bench(cloud, only, boots=100),
            'multi50': run_bench(cloud, only, multi=50),
            'multi1000': run_bench(cloud, only, multi=1000)}


def table(results):
    modes = [m for m in ('four', 'all') if m in results]
    rows = [('100 boots, concurrency 10 (boots/s)', 'boots_per_s', '%.1f'),
            ('POST p50 at concurrency 10 (ms)', 'post_p50_ms', '%.0f'),
            ('max_count=50 -> all ACTIVE (s)', 'multi50_active_s', '%.2f'),
            ('max_count=1000 -> all ACTIVE (s)', 'multi1000_active_s', '%.1f'),
            ('max_count=1000: the POST (s)', 'multi1000_post_s', '%.2f'),
            ('CPU-s per boot, 100-boot run', 'cpu_s_per_boot_100', '%.3f'),
            ('CPU-s per boot, 1000 run', 'cpu_s_per_boot_1000', '%.3f')]
    out = ['| measure | ' + ' | '.join({'four': 'four daemons', 'all': 'all-in-one'}[m]
                                        for m in modes) + ' |',
           '| --- |' + ' --- |' * len(modes)]
    for label, key, fmt in rows:
        out.append('| %s | %s |' % (label, ' | '.join(fmt % results[m]['summary'][key]
                                                      for m in modes)))
    out.append('| RSS after the 1000 run (MiB) | %s |' % ' | '.join(
        ', '.join('%s %.0f' % (n.replace('novalite-', ''), v)
                  for n, v in sorted(results[m]['summary']['rss_mib_after_1000'].items()))
        for m in modes))
    return '\n'.join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--modes', default='four,all')
    p.add_argument('--computes', type=int, default=2)
    p.add_argument('--nodes', type=int, default=1, help='fake nodes per compute')
    p.add_argument('--present', type=int, default=10000,
                   help='instances put on the hosts before the second 100-boot run '
                        '(four-daemon mode; 0: skip)')
    p.add_argument('--json')
    p.add_argument('--keep', action='store_true', help='keep the work dir (daemon logs)')
    args = p.parse_args(argv)
    cleanups = []

    def db_and_vhost(work):
        url, drop = services.create_database('postgresql', work)
        cleanups.append(drop)
        vhost, delete = services.create_vhost()
        cleanups.append(delete)
        return url, vhost
    args.db_and_vhost = db_and_vhost
    results = {'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
               'nproc': os.cpu_count(), 'loadavg_before': os.getloadavg(),
               'computes': args.computes, 'nodes_per_compute': args.nodes}
    base = pathlib.Path(tempfile.mkdtemp(prefix='novalite-scale-'))
    try:
        for mode in args.modes.split(','):
            work = base / mode
            work.mkdir()
            runs = (four_daemons if mode == 'four' else all_in_one)(work, args)
            runs['summary'] = summary(runs)
            if 'boots_with_present' in runs:
                runs['summary']['present'] = {'instances': args.present}
                for key, run in (('before', runs['boots_before_present']),
                                 ('with', runs['boots_with_present'])):
                    runs['summary']['present'][key] = {
                        'boots_per_s': round(run['boots']['boots_per_s'], 2),
                        'post_p50_ms': round(1000 * run['boots']['post_s']['p50'], 1),
                        'cpu_s_per_boot': round(run['cpu_s_per_boot'], 4),
                        'cpu_s': {n.replace('novalite-', ''): s['cpu_s']
                                  for n, s in run['services'].items()}}
            results[mode] = runs
            print(json.dumps({mode: runs['summary']}, indent=2), flush=True)
        results['loadavg_after'] = os.getloadavg()
        print(table(results))
        print('load average before %s, after %s' % (results['loadavg_before'],
                                                    results['loadavg_after']))
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(results, indent=2) + '\n')
    finally:
        for c in reversed(cleanups):
            c()
        if args.keep:
            print('logs kept in %s' % base)
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
