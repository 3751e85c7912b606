#!/usr/bin/env python
"""Real-guest benchmark: the whole create-server path with the libvirt driver.

The four daemons as separate processes (RabbitMQ vhost, fresh PostgreSQL
database, ``tests/cloud.py``), the compute on ``qemu:///system`` with
``virt_type = qemu`` (TCG), the busybox test guest of
tools/build-test-guest.sh imported AMI-style, a 128 MiB / 1 vCPU flavor,
``networks: auto``.  Measures and prints:

  * one guest, image not cached yet: POST -> ACTIVE (polling GET every 20 ms),
    POST -> the guest's marker line in os-getConsoleOutput, and the split of
    POST -> ACTIVE into libvirt/QEMU (createWithFlags + wait for RUNNING, from
    the driver's spawn timings in the compute log) and novalite (the rest:
    API, RPC, scheduling, claim, image cache, overlay, XML, defineXML);
  * the same with the image already cached;
  * qemu RSS of that guest;
  * ten guests from one POST with ``max_count: 10``: time to all ACTIVE, to
    all markers, total and per-guest qemu RSS.

Every server is deleted at the end and no domain may be left.  Not a test:
run it on demand with the Python novalite is installed in::

    python benchmarks/libvirt_benchmark.py [--count 10] [--json results.json]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cloud import Cloud, wait_for  # noqa: E402
from tests.functional import libvirt_env  # noqa: E402
from tests import services  # noqa: E402
from boot_benchmark import QUOTA_UNLIMITED  # noqa: E402

COMPUTE = 'lvbench'
SPAWN_RE = r'Instance %s spawned successfully in ([0-9.]+) s \(([^)]*)\)'


def spawn_timings(cloud, sid):
    """The driver's spawn step durations for server ``sid`` (compute log)."""
    m = re.search(SPAWN_RE % re.escape(sid), cloud.log_text(COMPUTE))
    if not m:
        raise RuntimeError('no spawn timing line for %s in the compute log' % sid)
    laps = dict((k, float(v.rstrip('s'))) for k, v in
                (item.split('=') for item in m.group(2).split(', ')))
    laps['total'] = float(m.group(1))
    return laps


def console_has_marker(cloud, sid):
    r = cloud.request('POST', cloud.servers_path('/%s/action' % sid),
                      {'os-getConsoleOutput': {'length': 50}})
    return r.status == 200 and libvirt_env.MARKER in r.json['output']


def one_guest(cloud, image_id, name):
    t0 = time.monotonic()
    r = cloud.boot(name, flavor='nano', image=image_id, networks='auto')
    if r.status != 202:
        raise RuntimeError('POST /servers: %s %s' % (r.status, r.raw[:300]))
    sid = r.json['server']['id']
    server = cloud.wait_status(sid, timeout=120)
    # wait_status polls every 50 ms; good enough next to seconds of boot
    t_active = time.monotonic() - t0
    if server['status'] != 'ACTIVE':
        raise RuntimeError('%s went to %s: %s' % (sid, server['status'], server.get('fault')))
    wait_for(lambda: console_has_marker(cloud, sid), 180, interval=0.2,
             what='marker of %s' % sid)
    t_marker = time.monotonic() - t0
    laps = spawn_timings(cloud, sid)
    libvirt_s = laps['launch'] + laps['wait_running']
    return {'server': sid, 'post_to_active_s': round(t_active, 2),
            'post_to_marker_s': round(t_marker, 2),
            'spawn_steps_s': laps,
            'libvirt_qemu_s': round(libvirt_s, 3),
            'novalite_s': round(t_active - libvirt_s, 3),
            'qemu_rss_mib': round(libvirt_env.qemu_rss_mib(sid), 1)}


def delete_all(cloud, ids, timeout=180):
    for sid in ids:
        cloud.request('DELETE', cloud.servers_path('/' + sid))
    for sid in ids:
        cloud.wait_gone(sid, timeout)


def batch(cloud, image_id, count):
    t0 = time.monotonic()
    r = cloud.request('POST', cloud.servers_path(), {'server': {
        'name': 'bench', 'imageRef': image_id, 'flavorRef': 'nano', 'networks': 'auto',
        'min_count': count, 'max_count': count}})
    if r.status != 202:
        raise RuntimeError('POST max_count=%d: %s %s' % (count, r.status, r.raw[:300]))
    t_post = time.monotonic() - t0

    def all_final():
        servers = cloud.request('GET', cloud.servers_path('/detail')).json['servers']
        servers = [s for s in servers if s['name'].startswith('bench')]
        if len(servers) == count and all(s['status'] in ('ACTIVE', 'ERROR')
                                         for s in servers):
            return servers
        return None
    servers = wait_for(all_final, 600, interval=0.1, what='%d servers final' % count)
    t_active = time.monotonic() - t0
    errors = [s for s in servers if s['status'] != 'ACTIVE']
    if errors:
        raise RuntimeError('%d servers in ERROR: %s' % (len(errors), errors[0].get('fault')))
    pending = {s['id'] for s in servers}

    def markers():
        for sid in list(pending):
            if console_has_marker(cloud, sid):
                pending.discard(sid)
        return not pending
    wait_for(markers, 600, interval=0.5, what='every marker')
    t_marker = time.monotonic() - t0
    rss = [libvirt_env.qemu_rss_mib(s['id']) for s in servers]
    laps = [spawn_timings(cloud, s['id']) for s in servers]
    return [s['id'] for s in servers], {
        'count': count, 'post_s': round(t_post, 2),
        'post_to_all_active_s': round(t_active, 2),
        'post_to_all_markers_s': round(t_marker, 2),
        'launch_s_median': round(statistics.median(lap['launch'] for lap in laps), 3),
        'qemu_rss_total_mib': round(sum(rss), 1),
        'qemu_rss_per_guest_mib': round(statistics.mean(rss), 1)}


def leftover_domains(prefix):
    conn = libvirt_env.libvirt.open(libvirt_env.URI)
    try:
        return [d for d in conn.listAllDomains() if d.name().startswith(prefix + '-')]
    finally:
        conn.close()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--count', type=int, default=10, help='guests in the max_count POST')
    p.add_argument('--json', help='write the results to this file')
    p.add_argument('--keep', action='store_true', help='keep the work dir (logs)')
    args = p.parse_args(argv)

    kernel, initrd = libvirt_env.test_guest_files()
    top = libvirt_env.searchable_tmpdir('novalite-lvbench-')
    work = pathlib.Path(tempfile.mkdtemp(prefix='novalite-lvbench-work-'))
    url, drop = services.create_database('postgresql', work)
    rabbit, delete_vhost = services.create_vhost()
    prefix = 'nlb' + uuid.uuid4().hex[:6]
    # 2 vCPUs here: the default cpu_allocation_ratio (4.0) admits only 8 guests
    conf = libvirt_env.compute_conf(os.path.join(top, 'instances'), name_prefix=prefix,
                                    extra='cpu_allocation_ratio = 16.0\n')
    cloud = Cloud(work, url, rabbit, computes=(COMPUTE,), compute_conf={COMPUTE: conf},
                  extra_conf=QUOTA_UNLIMITED + 'debug = false\n')
    results = {'date': time.strftime('%Y-%m-%d %H:%M:%S'), 'cpus': os.cpu_count()}
    ok = False
    try:
        cloud.start()
        cloud.manage('flavor', 'create', '--id', 'nano', '--ram', '128', '--vcpus', '1',
                     '--disk', '1', 'm1.nano')
        image_id = libvirt_env.import_guest(cloud, kernel, initrd)
        node = cloud.query('SELECT vcpus, memory_mb, local_gb, cpu_allocation_ratio, '
                           'ram_allocation_ratio FROM compute_nodes WHERE host = :h',
                           h=COMPUTE)[0]
        results['node'] = dict(zip(('vcpus', 'memory_mb', 'local_gb', 'cpu_ratio',
                                    'ram_ratio'), node))
        cold = one_guest(cloud, image_id, 'cold')
        delete_all(cloud, [cold['server']])
        warm = one_guest(cloud, image_id, 'warm')
        delete_all(cloud, [warm['server']])
        results.update(cold_cache=cold, warm_cache=warm)
        ids, results['batch'] = batch(cloud, image_id, args.count)
        t0 = time.monotonic()
        delete_all(cloud, ids)
        results['batch']['delete_all_s'] = round(time.monotonic() - t0, 2)
        left = leftover_domains(prefix)
        if left:
            raise RuntimeError('domains left after delete: %s' % [d.name() for d in left])
        ok = True
    finally:
        cloud.stop()
        for dom in leftover_domains(prefix):     # only this run's domains
            try:
                dom.destroy()
            except libvirt_env.libvirt.libvirtError:
                pass
            dom.undefine()
        delete_vhost()
        drop()
        shutil.rmtree(top, ignore_errors=True)
        if ok and not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print('work dir kept: %s' % work)
    print(json.dumps(results, indent=1))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return 0


if __name__ == '__main__':
    sys.exit(main())
