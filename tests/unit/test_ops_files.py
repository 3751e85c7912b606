"""The operator-facing files: systemd units, the install step's config, the
devstack plugin and the WSGI entry point's configuration."""
import os
import shutil
import subprocess
import sys

import pytest

from novalite.cmd import node
from novalite import config
from tests import services

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNITS = ('novalite-api', 'novalite-conductor', 'novalite-scheduler', 'novalite-compute')


def _tool(name, package):
    path = shutil.which(name)
    if not path:
        services.unavailable('%s (apt-get install %s)' % (name, package))
    return path


def test_units_pass_systemd_analyze_verify(tmp_path):
    analyze = _tool('systemd-analyze', 'systemd')
    bin_dir = os.path.dirname(sys.executable)
    paths = []
    for unit in UNITS:
        text = node.unit_text(unit, bin_dir)
        assert 'ExecStart=%s/%s ' % (bin_dir, unit) in text
        for line in ('Type=notify', 'User=novalite', 'Restart=on-failure',
                     'NoNewPrivileges=yes', 'ProtectSystem=strict', 'PrivateTmp=yes',
                     'ProtectHome=yes', 'StateDirectory=novalite', 'RuntimeDirectory=novalite',
                     'LimitNOFILE=65535', 'ExecReload=/bin/sh -c "kill -HUP $MAINPID"'):
            assert line + '\n' in text, (unit, line)
        path = tmp_path / (unit + '.service')
        path.write_text(text)
        paths.append(str(path))
    res = subprocess.run([analyze, 'verify'] + paths, capture_output=True, text=True)
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr


def test_compute_unit_loosens_only_for_libvirt_and_bridges():
    compute = node.unit_text('novalite-compute', '/x')
    api = node.unit_text('novalite-api', '/x')
    assert 'After=network-online.target rabbitmq-server.service libvirtd.service' in compute
    assert 'AF_NETLINK' in compute and 'AF_NETLINK' not in api
    assert 'CapabilityBoundingSet=\n' in api and 'CAP_NET_ADMIN' not in api
    assert 'postgresql.service' in api and 'postgresql.service' not in compute


def test_compute_config_has_no_database_section():
    text = node.config_text('compute', {'transport_url': 'rabbit://h/', 'host': 'c1'})
    assert '[database]' not in text and 'transport_url = rabbit://h/' in text
    with pytest.raises(SystemExit):
        node.config_text('compute', {'database.connection': 'sqlite://'})
    ctl = node.config_text('controller', {'database.connection': 'sqlite://'})
    assert '[database]\nconnection = sqlite://' in ctl
    assert 'policy_file = /etc/novalite/policy.yaml' in ctl


def test_devstack_plugin_is_shellcheck_clean():
    shellcheck = _tool('shellcheck', 'shellcheck')
    res = subprocess.run([shellcheck, '-s', 'bash', 'devstack/plugin.sh', 'devstack/settings'],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout


def test_wsgi_module_does_not_import_cmd():
    code = ('import sys, novalite.api.wsgi as w; '
            'assert callable(w.application); '
            'print(sorted(m for m in sys.modules if m.startswith("novalite.cmd")))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == '[]'


def test_wsgi_config_comes_from_environment_not_argv(monkeypatch, tmp_path):
    monkeypatch.setenv('NOVALITE_CONFIG_FILE', '%s,%s' % (tmp_path / 'a', tmp_path / 'b'))
    assert config.wsgi_config_files() == [str(tmp_path / 'a'), str(tmp_path / 'b')]
    monkeypatch.delenv('NOVALITE_CONFIG_FILE')
    expected = [config.DEFAULT_CONFIG_FILE] if os.path.exists(
        config.DEFAULT_CONFIG_FILE) else []
    assert config.wsgi_config_files() == expected
