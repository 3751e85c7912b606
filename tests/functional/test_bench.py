"""novalite-bench against a running cloud: the figures it reports are the
cloud's (servers ACTIVE, the services' CPU and RSS from /proc) and its picture
has one line per server through the build steps."""
import json
import pathlib
import subprocess
import sys

import pytest

from novalite import bench
from tests.cloud import ADMIN_TOKEN, PROJECT

ROOT = pathlib.Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group('test_bench')


def test_bench_boots_multi_create_and_timeline(module_cloud, tmp_path):
    out, picture = tmp_path / 'bench.json', tmp_path / 'bench.svg'
    rc = bench.main(['--endpoint', '%s/v2.1/%s' % (module_cloud.base, PROJECT),
                     '--token', ADMIN_TOKEN, '--image', module_cloud.image_id,
                     '--boots', '4', '--concurrency', '2', '--multi', '3',
                     '--process', 'novalite-', '--only', str(module_cloud.tmp),
                     '--json', str(out), '--svg', str(picture), '--delete'])
    assert rc == 0
    res = json.loads(out.read_text())
    assert (res['boots']['active'], res['boots']['error'], res['boots']['failed_posts']) == \
        (4, 0, 0)
    assert res['boots']['post_s']['p50'] > 0 and res['boots']['boots_per_s'] > 0
    assert res['multi']['active'] == 3 and res['multi']['all_final_s'] >= res['multi']['post_s']
    names = set(res['services'])
    assert {'novalite-api', 'novalite-conductor', 'novalite-scheduler',
            'novalite-compute'} <= names, names
    assert all(s['rss_mib'] > 10 for s in res['services'].values())
    assert res['cpu_s_per_boot'] > 0
    assert len(res['timeline']) == 7
    for line in res['timeline']:
        assert {'conductor_schedule_and_build_instances', 'compute_instance_claim',
                'compute_spawn'} <= set(line['events'])
    text = picture.read_text()
    assert text.startswith('<svg') and text.count('fill="#000"') == 7   # a POST mark each


def test_manage_server_timeline(module_cloud):
    resp = module_cloud.boot(name='timeline-vm')
    sid = resp.json['server']['id']
    module_cloud.wait_status(sid, ('ACTIVE',))
    out = module_cloud.manage_output('server', 'timeline', sid)
    rows = [l.split('|')[1:-1] for l in out.splitlines() if l.startswith('| ') and
            not l.startswith('| Step')]
    steps = [r[0].strip() for r in rows]
    assert steps[0] == 'conductor_schedule_and_build_instances'
    assert {'compute__do_build_and_run_instance', 'compute_instance_claim',
            'compute_spawn'} <= set(steps)
    assert all(r[4].strip() == 'Success' for r in rows), out
    assert all(r[1].strip() for r in rows)           # every step names its host
    assert all(float(r[3]) >= 0 for r in rows)


def test_scheduler_benchmark_among_many_nodes(tmp_path):
    """benchmarks/scheduler_benchmark.py on a real PostgreSQL, small: every
    node registered is a host state, a multi-create spreads over distinct
    nodes, and the figures are in its JSON."""
    out = tmp_path / 'sched.json'
    subprocess.run([sys.executable, str(ROOT / 'benchmarks' / 'scheduler_benchmark.py'),
                    '--hosts', '3', '--nodes-per-host', '200', '--instances', '100',
                    '--runs', '3', '--max-count', '50', '--multi-runs', '1',
                    '--json', str(out)], check=True, capture_output=True, timeout=300)
    res = json.loads(out.read_text())
    assert (res['nodes'], res['instances'], res['distinct_nodes_of_50']) == (600, 100, 50)
    for key in ('select_1_ms', 'select_1_cpu_ms', 'select_50_ms'):
        assert 0 < res[key]['p50'] <= res[key]['max'], (key, res[key])
    assert res['register']['first_report_s'] > 0 and res['read_host_states_ms'] > 0
