#!/usr/bin/env python
"""Where a boot's CPU goes: py-spy samples of every daemon of a four-daemon cloud
(the scale benchmark's set-up), taken only while a thread holds the GIL, while
novalite-bench runs 100 boots at concurrency 10 and one max_count=N request;
prints the runs' figures and each daemon's hottest functions (own time, and
time including callees) from the samples.

    python benchmarks/profile_boots.py [--multi 1000] [--out DIR]

Needs py-spy (``pip install py-spy``) next to the Python that runs it.
"""
import argparse
import collections
import contextlib
import io
import pathlib
import signal
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_benchmark as sb  # noqa: E402
from tests.cloud import Cloud, wait_for  # noqa: E402
from tests import services  # noqa: E402


def hottest(collapsed, top=15):
    own, incl, total = collections.Counter(), collections.Counter(), 0
    for line in collapsed.read_text().splitlines():
        stack, _, n = line.rpartition(' ')
        n = int(n)
        total += n
        frames = stack.split(';')
        own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    return total, own.most_common(top), incl.most_common(top * 2)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--multi', type=int, default=1000)
    p.add_argument('--out', default=None)
    args = p.parse_args()
    out = pathlib.Path(args.out or tempfile.mkdtemp(prefix='novalite-prof-'))
    out.mkdir(parents=True, exist_ok=True)
    work = pathlib.Path(tempfile.mkdtemp(prefix='novalite-prof-cloud-'))
    url, drop = services.create_database('postgresql', work)
    vhost, delete = services.create_vhost()
    hosts = ['compute1', 'compute2']
    cloud = Cloud(work, url, vhost, computes=hosts,
                  compute_conf={h: sb.CAPACITY + 'nodes = 1\n' for h in hosts},
                  extra_conf=sb.QUOTA_UNLIMITED)
    spies = []
    try:
        cloud.start()
        wait_for(lambda: cloud.query('SELECT count(*) FROM compute_nodes')[0][0] >= 2, 120)
        cloud.seed_catalog()
        with contextlib.redirect_stdout(io.StringIO()):
            sb.run_bench(cloud, str(work), boots=3, concurrency=3)
        spy = str(pathlib.Path(sys.executable).parent / 'py-spy')
        for name, proc in cloud.procs:
            spies.append((name, out / (name + '.txt'), subprocess.Popen(
                [spy, 'record', '-p', str(proc.pid), '-r', '200', '-f', 'raw', '-s', '--gil',
                 '-o', str(out / (name + '.txt'))],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
        with contextlib.redirect_stdout(io.StringIO()):
            res = sb.run_bench(cloud, str(work), boots=100)
        print('100 boots: %.1f boots/s, POST p50 %.0f ms, CPU-s/boot %.4f' % (
            res['boots']['boots_per_s'], 1000 * res['boots']['post_s']['p50'],
            res['cpu_s_per_boot']))
        if args.multi:
            with contextlib.redirect_stdout(io.StringIO()):
                res = sb.run_bench(cloud, str(work), multi=args.multi)
            print('max_count=%d: all ACTIVE %.1f s, CPU-s/boot %.4f' % (
                args.multi, res['multi']['all_final_s'], res['cpu_s_per_boot']))
        for _n, _f, sp in spies:
            sp.send_signal(signal.SIGINT)
        for _n, _f, sp in spies:
            sp.wait(60)
        for name, f, _sp in spies:
            if not f.exists():
                continue
            total, own, incl = hottest(f)
            print('\n== %s: %d samples (200/s)' % (name, total))
            print('  own time:')
            for fn, n in own:
                print('   %5.1f%%  %s' % (100.0 * n / total, fn))
            print('  with callees:')
            for fn, n in incl:
                print('   %5.1f%%  %s' % (100.0 * n / total, fn))
    finally:
        for _n, _f, sp in spies:
            if sp.poll() is None:
                sp.kill()
        cloud.stop()
        delete()
        drop()
    print('samples in', out)


if __name__ == '__main__':
    main()
