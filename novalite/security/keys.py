"""Service key pairs (Ed25519), key files and public-key stores.

``novalite-manage service enrol BINARY HOST`` creates a key pair, keeps the
public key in the ``service_keys`` table and writes the private key to a file
only its owner can read.  Services with database access (api, conductor,
scheduler) read public keys from the table; novalite-compute, which has none,
reads the control plane's public keys from its trusted-keys file.
"""
import base64
import collections
import json
import os
import threading
import time

from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives import serialization
from oslo_config import cfg

from novalite import exception

CONF = cfg.CONF

API = 'novalite-api'
CONDUCTOR = 'novalite-conductor'
SCHEDULER = 'novalite-scheduler'
COMPUTE = 'novalite-compute'
BINARIES = (API, CONDUCTOR, SCHEDULER, COMPUTE)
CONTROL_PLANE = (API, CONDUCTOR, SCHEDULER)


class Identity(collections.namedtuple('Identity', 'binary host')):
    def __str__(self):
        return '%s@%s' % (self.binary, self.host)


def generate():
    return ed25519.Ed25519PrivateKey.generate()


def public_text(private_key):
    raw = private_key.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def load_public(text):
    try:
        return ed25519.Ed25519PublicKey.from_public_bytes(base64.b64decode(text))
    except (ValueError, TypeError) as e:
        raise exception.ServiceNotAuthenticated(reason='unusable public key: %s' % e)


def keys_dir():
    return os.path.join(CONF.state_path, 'keys')


def key_path(binary, host):
    return CONF.rpc_auth.key_file or os.path.join(keys_dir(), '%s.%s.key' % (binary, host))


def trusted_keys_path():
    return CONF.rpc_auth.trusted_keys_file or os.path.join(keys_dir(), 'trusted_keys.json')


def _write_private(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    tmp = path + '.tmp'
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def write_key_file(path, identity, private_key):
    raw = private_key.private_bytes(serialization.Encoding.Raw,
                                    serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
    _write_private(path, json.dumps({'binary': identity.binary, 'host': identity.host,
                                     'private_key': base64.b64encode(raw).decode()}) + '\n')


def read_key_file(path):
    """(Identity, private key) from a key file; refuses one others can read."""
    try:
        st = os.stat(path)
        if st.st_mode & 0o077:
            raise SystemExit('%s is readable by others (mode %o); it must be 0600'
                             % (path, st.st_mode & 0o777))
        with open(path) as f:
            data = json.load(f)
        key = ed25519.Ed25519PrivateKey.from_private_bytes(
            base64.b64decode(data['private_key']))
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise SystemExit('Cannot read the service key %s (%s); enrol this service with '
                         '"novalite-manage service enrol BINARY HOST"' % (path, e))
    return Identity(data['binary'], data['host']), key


def enrol(binary, host, path=None):
    """New key pair for (binary, host): public key into the database, private
    key into ``path``.  Re-enrolling replaces the key (rotation)."""
    from novalite.db import service_keys as db_keys
    if binary not in BINARIES:
        raise exception.Invalid('unknown binary %s' % binary)
    key = generate()
    path = path or key_path(binary, host)
    write_key_file(path, Identity(binary, host), key)
    db_keys.service_key_set(binary, host, public_text(key))
    return path


def write_trusted_keys(path=None):
    """The control plane's public keys, for services without database access."""
    from novalite.db import service_keys as db_keys
    path = path or trusted_keys_path()
    rows = db_keys.service_key_get_all(CONTROL_PLANE)
    data = {'keys': [{'binary': r['binary'], 'host': r['host'], 'public_key': r['public_key']}
                     for r in rows]}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)
    return path, len(rows)


class DBKeyStore:
    """Public keys from the service_keys table, cached ``key_cache_ttl`` s."""

    def __init__(self):
        self._cache = {}
        self._lock = threading.Lock()

    def get(self, identity):
        from novalite.db import service_keys as db_keys
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(identity)
        if hit and hit[1] > now:
            return hit[0]
        text = db_keys.service_key_get(identity.binary, identity.host)
        key = load_public(text) if text else None
        if key is not None:
            with self._lock:
                self._cache[identity] = (key, now + CONF.rpc_auth.key_cache_ttl)
        return key


class FileKeyStore:
    """Public keys from the trusted-keys file, re-read when it changes."""

    def __init__(self, path=None):
        self.path = path or trusted_keys_path()
        self._mtime = None
        self._keys = {}
        self._lock = threading.Lock()

    def _reload(self):
        try:
            mtime = os.stat(self.path).st_mtime_ns
        except OSError:
            return
        if mtime == self._mtime:
            return
        with open(self.path) as f:
            data = json.load(f)
        self._keys = {Identity(k['binary'], k['host']): load_public(k['public_key'])
                      for k in data.get('keys', [])}
        self._mtime = mtime

    def get(self, identity):
        with self._lock:
            self._reload()
            return self._keys.get(identity)
