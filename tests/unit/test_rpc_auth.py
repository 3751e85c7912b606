"""Service keys and signatures without a broker: enrolment, key files,
tampering, replay, age; enable_new_services (SQLite)."""
import os
import time

import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.db import hosts
from novalite.db import migration
from novalite.db import session as db_session
from novalite import exception
from novalite.security import keys, signing

CONF = cfg.CONF


@pytest.fixture
def sqlite(tmp_path):
    CONF.set_override('connection', 'sqlite:///%s' % (tmp_path / 'db.sqlite'), 'database')
    CONF.set_override('state_path', str(tmp_path))
    db_session.dispose_engine()
    migration.db_sync()
    yield tmp_path
    db_session.dispose_engine()
    CONF.clear_override('connection', 'database')
    CONF.clear_override('state_path')
    CONF.clear_override('enable_new_services')


def _message(**args):
    return {'method': 'instance_update', 'namespace': None, 'version': '3.0',
            'args': args or {'host': 'h1', 'instance_uuid': 'u'}}


def test_enrol_signs_and_verifies_through_the_database(sqlite):
    path = keys.enrol('novalite-compute', 'h1')
    assert os.stat(path).st_mode & 0o777 == 0o600
    ident, key = keys.read_key_file(path)
    signer = signing.Signer(ident, key)
    verifier = signing.Verifier(keys.DBKeyStore(), 60)
    ctxt, msg = {'user': 'u', 'roles': []}, _message()
    auth = signer.sign(ctxt, msg, 'conductor')
    assert verifier.verify(auth, ctxt, msg, ('conductor',)) == ident
    refusals = {
        'replay': (auth, ctxt, msg, ('conductor',)),
        'tampered args': (signer.sign(ctxt, msg, 'conductor'), ctxt,
                          _message(host='h2', instance_uuid='u'), ('conductor',)),
        'tampered context': (signer.sign(ctxt, msg, 'conductor'),
                             {'user': 'u', 'roles': ['admin']}, msg, ('conductor',)),
        'other recipient': (signer.sign(ctxt, msg, 'conductor'), ctxt, msg,
                            ('compute', 'compute.h2')),
        'unsigned': (None, ctxt, msg, ('conductor',)),
    }
    for name, args in refusals.items():
        with pytest.raises(exception.ServiceNotAuthenticated):
            verifier.verify(*args)
    old = signer.sign(ctxt, msg, 'conductor')
    old['ts'] = time.time() - 3600
    with pytest.raises(exception.ServiceNotAuthenticated, match='stale|signature'):
        verifier.verify(old, ctxt, msg, ('conductor',))
    # re-enrolment rotates: the old key no longer verifies
    keys.enrol('novalite-compute', 'h1')
    with pytest.raises(exception.ServiceNotAuthenticated):
        signing.Verifier(keys.DBKeyStore(), 60).verify(
            signer.sign(ctxt, msg, 'conductor'), ctxt, msg, ('conductor',))


def test_key_file_readable_by_others_is_refused(sqlite):
    path = keys.enrol('novalite-api', 'a1')
    os.chmod(path, 0o644)
    with pytest.raises(SystemExit, match='readable by others'):
        keys.read_key_file(path)


def test_trusted_keys_file_holds_only_the_control_plane(sqlite):
    keys.enrol('novalite-conductor', 'c1')
    keys.enrol('novalite-compute', 'h1')
    path, count = keys.write_trusted_keys()
    store = keys.FileKeyStore(path)
    assert count == 1
    assert store.get(keys.Identity('novalite-conductor', 'c1')) is not None
    assert store.get(keys.Identity('novalite-compute', 'h1')) is None


@pytest.mark.parametrize('enabled', [True, False])
def test_enable_new_services(sqlite, enabled):
    CONF.set_override('enable_new_services', enabled)
    svc = hosts.service_heartbeat('new-host', 'novalite-compute', 'compute')
    assert svc['disabled'] is (not enabled)
    assert svc['disabled_reason'] == (None if enabled else
                                      'New service disabled due to config option.')
    assert hosts.service_heartbeat('c1', 'novalite-conductor', 'conductor')['disabled'] is False


class _Clock:
    def __init__(self):
        self.now = 1764571234.0

    def time(self):
        return self.now


class _NoScan(set):
    def __iter__(self):
        raise AssertionError('the nonce cache was scanned')


def test_nonces_are_forgotten_only_when_a_replay_would_be_stale(monkeypatch):
    """Each verify forgets only the nonces that expired, never walking the
    whole cache (it holds every message of a ``ttl`` window: thousands
    under load); a replay is refused while fresh, then as stale."""
    clock = _Clock()
    monkeypatch.setattr(signing, 'time', clock)
    key = keys.generate()
    ident = keys.Identity('novalite-compute', 'h1')
    signer = signing.Signer(ident, key)

    class Store:
        public = key.public_key()

        def get(self, identity):
            return self.public
    verifier = signing.Verifier(Store(), 60)
    verifier._seen = _NoScan()
    ctxt, msg = {'user': 'u'}, _message()
    first = signer.sign(ctxt, msg, 'conductor')
    verifier.verify(dict(first), ctxt, msg, ('conductor',))
    for _ in range(3000):               # 50 messages a second for a minute
        clock.now += 0.02
        verifier.verify(signer.sign(ctxt, msg, 'conductor'), ctxt, msg, ('conductor',))
    assert len(verifier._seen) == 3001
    with pytest.raises(exception.ServiceNotAuthenticated, match='replayed'):
        verifier.verify(dict(first), ctxt, msg, ('conductor',))
    clock.now += 30                      # the first half of the window is stale now
    verifier.verify(signer.sign(ctxt, msg, 'conductor'), ctxt, msg, ('conductor',))
    assert 1400 < len(verifier._seen) < 1600
    with pytest.raises(exception.ServiceNotAuthenticated, match='stale'):
        verifier.verify(dict(first), ctxt, msg, ('conductor',))
