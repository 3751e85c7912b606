"""The signed envelope of an RPC message.

The sender signs, with its Ed25519 key, the canonical JSON of: its identity,
the recipient (topic or topic.server), the request context, the method, its
namespace and version, the arguments as they travel, a timestamp and a random
nonce.  The signature and those fields ride in the context under ``nl_auth``.
The receiver recomputes the same bytes from what arrived, checks the signature
with the sender's enrolled public key, refuses a message older (or newer) than
``[rpc_auth] message_ttl`` and a nonce it has already seen in that window.
"""
import base64
import collections
import os
import threading
import time

from cryptography import exceptions as crypto_exc

from novalite import exception
from novalite import fastjson
from novalite.security import keys

AUTH_KEY = 'nl_auth'
IDENTITY_KEY = 'nl_identity'
VERSION = 1
# Context keys the transport adds on its own (rabbit: the call's timeout).
TRANSPORT_KEYS = frozenset(('client_timeout',))


# sorted keys, compact, ASCII: the standard json module's bytes (made faster)
canonical = fastjson.canonical


def signed_bytes(sender, recipient, ctxt, message, ts, nonce):
    ctxt = {k: v for k, v in ctxt.items() if k not in TRANSPORT_KEYS}
    return canonical({'v': VERSION, 'sender': list(sender), 'to': recipient, 'ctxt': ctxt,
                      'method': message.get('method'), 'namespace': message.get('namespace'),
                      'version': message.get('version'), 'args': message.get('args', {}),
                      'ts': ts, 'nonce': nonce})


class Signer:
    def __init__(self, identity, private_key):
        self.identity = identity
        self._key = private_key

    def sign(self, ctxt, message, recipient):
        """The ``nl_auth`` entry for ``ctxt`` (a dict without it)."""
        ts = time.time()
        nonce = base64.b64encode(os.urandom(18)).decode()
        sig = self._key.sign(signed_bytes(self.identity, recipient, ctxt, message, ts, nonce))
        return {'sender': list(self.identity), 'to': recipient, 'ts': ts, 'nonce': nonce,
                'sig': base64.b64encode(sig).decode()}


class Verifier:
    def __init__(self, key_store, ttl):
        self.key_store = key_store
        self.ttl = ttl
        # the nonces of the messages still fresh, and (when a replay would be
        # stale, nonce) in the order they arrived: forgetting costs only
        # the expired ones, however many messages a window holds
        self._seen = set()
        self._expiry = collections.deque()
        self._lock = threading.Lock()

    @staticmethod
    def _refuse(reason):
        raise exception.ServiceNotAuthenticated(reason=reason)

    def verify(self, auth, ctxt, message, recipients):
        """The sender's Identity, or ServiceNotAuthenticated."""
        if not isinstance(auth, dict):
            self._refuse('unsigned message')
        try:
            sender = keys.Identity(*[str(p) for p in auth['sender']])
            recipient, ts, nonce = str(auth['to']), float(auth['ts']), str(auth['nonce'])
            sig = base64.b64decode(auth['sig'], validate=True)
        except (KeyError, TypeError, ValueError):
            self._refuse('malformed signature block')
        if recipient not in recipients:
            self._refuse('addressed to %s, not %s' % (recipient, ' or '.join(recipients)))
        now = time.time()
        if not (abs(now - ts) <= self.ttl):
            self._refuse('stale message (%.0f s old, limit %d s)' % (now - ts, self.ttl))
        public = self.key_store.get(sender)
        if public is None:
            self._refuse('%s is not enrolled' % (sender,))
        try:
            public.verify(sig, signed_bytes(sender, recipient, ctxt, message, ts, nonce))
        except crypto_exc.InvalidSignature:
            self._refuse('bad signature claiming to be from %s' % (sender,))
        with self._lock:
            if nonce in self._seen:
                self._refuse('replayed message from %s' % (sender,))
            self._seen.add(nonce)
            self._expiry.append((ts + self.ttl, nonce))
            self._forget(now)
        return sender

    def _forget(self, now):
        """Drop the nonces whose messages would now be refused as stale,
        from the oldest arrival on (one that arrived later but expires
        sooner waits for those before it: at most ``2 * ttl`` after it
        arrived).  Called with the lock held."""
        expiry = self._expiry
        while expiry and expiry[0][0] < now:
            self._seen.discard(expiry.popleft()[1])
