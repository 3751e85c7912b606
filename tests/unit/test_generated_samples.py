"""The committed sample config and sample policy are what the generators
produce now: they fail when an option or a rule changed without them."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)


@pytest.mark.parametrize('cmd,sample', [
    (['oslo-config-generator', '--config-file',
      'etc/novalite/novalite-config-generator.conf', '--output-file', '{out}'],
     'etc/novalite/novalite.conf.sample'),
    ([sys.executable, '-m', 'novalite.conf.reference', '--output-file', '{out}'],
     'doc/configuration-reference.md'),
    (['oslopolicy-sample-generator', '--namespace', 'novalite', '--output-file', '{out}'],
     'etc/novalite/policy.yaml.sample'),
])
def test_sample_is_fresh(tmp_path, cmd, sample):
    out = tmp_path / 'sample'
    exe = cmd[0] if os.path.isabs(cmd[0]) else os.path.join(BIN, cmd[0])
    cmd = [exe] + [c.format(out=out) for c in cmd[1:]]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
    with open(os.path.join(ROOT, sample)) as f:
        committed = f.read()
    assert out.read_text() == committed, (
        '%s is stale: run "make sample-config" and commit the result' % sample)
