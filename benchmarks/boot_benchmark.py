#!/usr/bin/env python
"""Boot benchmark: the create-server path of novalite, end to end.

Four separate daemons (novalite-api, -conductor, -scheduler, -compute) on a
private RabbitMQ vhost and a fresh database, fake hypervisor driver, driven
over HTTP exactly like the functional tests (it reuses ``tests/cloud.py``).

Measures
  * one boot alone: POST -> ACTIVE latency (median of ``--singles`` runs,
    polling ``GET /servers/<id>`` every 20 ms);
  * a batch: ``--boots`` POSTs (one server each, ``networks: none``) from
    ``--concurrency`` threads; POST latency p50/p90/max, wall time from the
    first POST until every server is ACTIVE (polling ``GET /servers/detail``
    every 50 ms) -> boots/s, number of servers in ERROR;
  * CPU seconds used by the daemon processes during the batch, per boot.

Run with the Python novalite is installed in (the daemons' console scripts are
looked up next to ``sys.executable``)::

    python benchmarks/boot_benchmark.py [--boots 100] [--concurrency 10] \
        [--backend postgresql] [--computes 1] [--json results.json]
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cloud import Cloud, wait_for  # noqa: E402
from tests import services  # noqa: E402

# Upstream Nova 34, same kind of machine, same scenario (from the issue).
UPSTREAM = {
    'post_p50_s': 1.26,
    'boots_per_s': 1.37,
    'single_boot_s': 0.56,
    'cpu_s_per_boot': 1.0,  # "about 1 CPU-second per boot"
}

# The largest node the conductor accepts (conductor/validation.py): room for
# 16,000 m1.tiny (1 vCPU, 512 MB, 1 GB) servers per host (4096 vCPUs x 4.0).
FAKE_CAPACITY = '\n[fake_driver]\nvcpus = 4096\nmemory_mb = 60000000\nlocal_gb = 1000000\n'
# Cloud inserts extra_conf into [DEFAULT]; group sections go after it and
# [DEFAULT] is reopened so whatever Cloud writes next still lands there.
QUOTA_UNLIMITED = '\n[quota]\ninstances = -1\ncores = -1\nram = -1\n[DEFAULT]\n'

CLK_TCK = os.sysconf('SC_CLK_TCK')


# -- CPU accounting ------------------------------------------------------------
def _stat(pid):
    """(ppid, utime+stime in ticks) of a process, or None if it is gone."""
    try:
        with open('/proc/%d/stat' % pid) as f:
            data = f.read()
    except OSError:
        return None
    fields = data[data.rindex(')') + 2:].split()  # comm may contain spaces
    return int(fields[1]), int(fields[11]) + int(fields[12])


def daemon_cpu(cloud):
    """CPU seconds (user+system) used so far by each daemon, children included."""
    children = {}
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            st = _stat(int(entry))
            if st:
                children.setdefault(st[0], []).append(int(entry))
    out = {}
    for name, proc in cloud.procs:
        ticks, todo = 0, [proc.pid]
        while todo:
            pid = todo.pop()
            st = _stat(pid)
            if st:
                ticks += st[1]
            todo.extend(children.get(pid, ()))
        out[name] = ticks / CLK_TCK
    return out


# -- helpers -------------------------------------------------------------------
def percentile(values, p):
    """Nearest-rank percentile (p in 0..100)."""
    s = sorted(values)
    if not s:
        return None
    k = max(0, min(len(s) - 1, int(round(p / 100.0 * len(s) + 0.5)) - 1))
    return s[k]


def post_server(cloud, name):
    t = time.monotonic()
    r = cloud.boot(name=name)
    dt = time.monotonic() - t
    sid = r.json['server']['id'] if r.status == 202 and r.json else None
    return t, dt, r.status, sid, (None if sid else r.raw[:300].decode(errors='replace'))


def wait_one(cloud, sid, timeout):
    def check():
        r = cloud.get_server(sid)
        if r.status == 200 and r.json['server']['status'] in ('ACTIVE', 'ERROR'):
            return r.json['server']['status']
        return None
    return wait_for(check, timeout, interval=0.02, what='server %s ACTIVE' % sid)


def single_boot(cloud, name, timeout):
    t0 = time.monotonic()
    r = cloud.boot(name=name)
    if r.status != 202:
        raise RuntimeError('POST /servers failed: %s %s' % (r.status, r.raw[:300]))
    status = wait_one(cloud, r.json['server']['id'], timeout)
    dt = time.monotonic() - t0
    if status != 'ACTIVE':
        raise RuntimeError('server %s went to %s' % (r.json['server']['id'], status))
    return dt


def check_config(cloud):
    """The quota and fake-driver capacity overrides really are in effect."""
    import warnings
    warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
    from oslo_config import cfg
    from novalite.conf import fake_driver, quota

    def load(path):
        conf = cfg.ConfigOpts()
        quota.register_opts(conf)
        fake_driver.register_opts(conf)
        conf(args=[], default_config_files=[str(path)])
        return conf
    conf = load(cloud.conf)
    q = (conf.quota.instances, conf.quota.cores, conf.quota.ram)
    if q != (-1, -1, -1):
        raise RuntimeError('quota override not in effect in %s: %s' % (cloud.conf, q))
    for host, path in cloud.compute_confs.items():
        fd = load(path).fake_driver
        if fd.vcpus < 4096:
            raise RuntimeError('fake_driver capacity override not in effect for %s' % host)
        rows = cloud.query('SELECT vcpus, memory_mb, local_gb FROM compute_nodes '
                           'WHERE host = :h', h=host)
        if not rows or rows[0][0] < 4096:
            raise RuntimeError('compute node %s reports %s' % (host, rows))
    return {'quota': dict(zip(('instances', 'cores', 'ram'), q)),
            'fake_driver': {'vcpus': fd.vcpus, 'memory_mb': fd.memory_mb,
                            'local_gb': fd.local_gb}}


# -- the batch -------------------------------------------------------------------
def batch(cloud, n, concurrency, timeout):
    names = ['bench-%03d' % i for i in range(n)]
    posts = []
    seen = {}  # server id -> (status, first time seen in that final status)
    done_posting = threading.Event()
    cpu0 = daemon_cpu(cloud)
    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(post_server, cloud, name) for name in names]

        def collect():
            for f in futures:
                posts.append(f.result())
            done_posting.set()
        collector = threading.Thread(target=collect, daemon=True)
        collector.start()

        deadline = t0 + timeout
        polls = 0
        while True:
            time.sleep(0.05)
            r = cloud.request('GET', cloud.servers_path('/detail?limit=1000'))
            polls += 1
            now = time.monotonic()
            if r.status == 200:
                for s in r.json['servers']:
                    if s['name'].startswith('bench-') and s['status'] in ('ACTIVE', 'ERROR') \
                            and s['id'] not in seen:
                        seen[s['id']] = (s['status'], now)
            if done_posting.is_set():
                ids = [p[3] for p in posts if p[3]]
                if all(i in seen for i in ids):
                    t_end = now
                    break
            if now > deadline:
                raise RuntimeError('batch timed out after %.0f s: %d of %d servers final'
                                   % (timeout, len(seen), n))
    cpu1 = daemon_cpu(cloud)
    wall = t_end - t0
    lat = [p[1] for p in posts]
    failed_posts = [(p[2], p[4]) for p in posts if not p[3]]
    post_time = {p[3]: p[0] for p in posts if p[3]}
    to_active = [seen[i][1] - post_time[i] for i in post_time if seen[i][0] == 'ACTIVE']
    errors = sum(1 for st, _t in seen.values() if st == 'ERROR')
    cpu = {k: round(cpu1[k] - cpu0.get(k, 0.0), 2) for k in cpu1}
    cpu_total = sum(cpu.values())
    return {
        'boots': n,
        'concurrency': concurrency,
        'post_p50_s': percentile(lat, 50),
        'post_p90_s': percentile(lat, 90),
        'post_max_s': max(lat),
        'post_mean_s': statistics.mean(lat),
        'failed_posts': len(failed_posts),
        'failed_post_examples': failed_posts[:3],
        'wall_s': wall,
        'boots_per_s': n / wall,
        'active': len(to_active),
        'error': errors,
        'post_to_active_p50_s': percentile(to_active, 50),
        'post_to_active_max_s': max(to_active) if to_active else None,
        'detail_polls': polls,
        'cpu_s_by_daemon': cpu,
        'cpu_s_total': cpu_total,
        'cpu_s_per_boot': cpu_total / n,
        'post_latencies_s': [round(x, 4) for x in lat],
    }


# -- reporting -------------------------------------------------------------------
def table(res):
    b, s = res['batch'], res['single']

    def f(v, unit=''):
        return '-' if v is None else ('%.3f%s' % (v, unit))
    rows = [
        ('one boot POST -> ACTIVE (median of %d)' % len(s['samples_s']),
         f(s['median_s'], ' s'), f(UPSTREAM['single_boot_s'], ' s')),
        ('batch POST p50', f(b['post_p50_s'], ' s'), f(UPSTREAM['post_p50_s'], ' s')),
        ('batch POST p90', f(b['post_p90_s'], ' s'), '-'),
        ('batch POST max', f(b['post_max_s'], ' s'), '-'),
        ('batch boots/s to ACTIVE', f(b['boots_per_s']), f(UPSTREAM['boots_per_s'])),
        ('batch wall time, first POST -> all ACTIVE (upstream: implied)', f(b['wall_s'], ' s'),
         f(b['boots'] / UPSTREAM['boots_per_s'], ' s')),
        ('servers in ERROR / failed POSTs', '%d / %d' % (b['error'], b['failed_posts']), '-'),
        ('daemon CPU-s per boot (batch)', f(b['cpu_s_per_boot']),
         '~%.1f' % UPSTREAM['cpu_s_per_boot']),
    ]
    w = max(len(r[0]) for r in rows)
    out = ['%-*s  %14s  %16s' % (w, 'metric', 'novalite', 'upstream Nova 34'),
           '-' * (w + 34)]
    out += ['%-*s  %14s  %16s' % (w, a, x, y) for a, x, y in rows]
    out.append('daemon CPU seconds during the batch: ' + ', '.join(
        '%s %.2f' % kv for kv in sorted(b['cpu_s_by_daemon'].items())))
    return '\n'.join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--boots', type=int, default=100)
    p.add_argument('--concurrency', type=int, default=10)
    p.add_argument('--backend', default='postgresql', choices=services.BACKENDS)
    p.add_argument('--computes', type=int, default=1)
    p.add_argument('--singles', type=int, default=5,
                   help='single boots measured alone (median reported)')
    p.add_argument('--timeout', type=float, default=600, help='batch timeout, seconds')
    p.add_argument('--debug', action='store_true',
                   help='leave debug logging on in the daemons (off by default)')
    p.add_argument('--json', help='write results to this file')
    p.add_argument('--keep', action='store_true', help='keep the work dir (logs, confs)')
    args = p.parse_args(argv)

    work = pathlib.Path(tempfile.mkdtemp(prefix='novalite-bench-'))
    hosts = ['compute%d' % (i + 1) for i in range(args.computes)]
    extra = QUOTA_UNLIMITED + ('' if args.debug else 'debug = false\n')
    cloud = drop_db = delete_vhost = None
    ok = False
    try:
        transport_url, delete_vhost = services.create_vhost()
        db_url, drop_db = services.create_database(args.backend, work)
        cloud = Cloud(work, db_url, transport_url, computes=hosts,
                      compute_conf={h: FAKE_CAPACITY for h in hosts}, extra_conf=extra)
        load0 = os.getloadavg()
        t = time.monotonic()
        cloud.start()
        cloud.seed_catalog()
        startup = time.monotonic() - t
        effective = check_config(cloud)
        print('cloud up in %.1f s (%s, %d compute host(s)), work dir %s'
              % (startup, args.backend, len(hosts), work), flush=True)

        wait_one_timeout = 60
        single_boot(cloud, 'warmup', wait_one_timeout)  # not counted
        samples = [single_boot(cloud, 'single-%d' % i, wait_one_timeout)
                   for i in range(args.singles)]
        print('single boots: ' + ', '.join('%.3f' % s for s in samples), flush=True)

        b = batch(cloud, args.boots, args.concurrency, args.timeout)
        res = {
            'date': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
            'machine': {'nproc': os.cpu_count(), 'platform': platform.platform(),
                        'python': platform.python_version(),
                        'loadavg_before': load0, 'loadavg_after': os.getloadavg()},
            'config': {'backend': args.backend, 'computes': len(hosts),
                       'boots': args.boots, 'concurrency': args.concurrency,
                       'debug_logging': args.debug, **effective},
            'startup_s': startup,
            'single': {'samples_s': samples, 'median_s': statistics.median(samples)},
            'batch': b,
            'upstream_nova_34': UPSTREAM,
        }
        print()
        print(table(res))
        print('load average before %s, after %s' % (
            ' '.join('%.2f' % x for x in load0),
            ' '.join('%.2f' % x for x in res['machine']['loadavg_after'])))
        if args.json:
            pathlib.Path(args.json).write_text(json.dumps(res, indent=2) + '\n')
            print('results written to %s' % args.json)
        ok = b['error'] == 0 and b['failed_posts'] == 0
        return 0 if ok else 1
    finally:
        if cloud is not None:
            cloud.stop()
        if drop_db is not None:
            drop_db()
        if delete_vhost is not None:
            delete_vhost()
        if args.keep or (not ok and cloud is not None):
            print('logs and confs kept in %s' % work, file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
