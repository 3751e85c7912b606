"""oslo.messaging plumbing: transport, RPC clients and servers, notifier.

The request context rides in every message (RequestContextSerializer) and
objects travel as plain primitives (objects.base).  Every RPC message is
signed with the sending service's key (``SignedClient``) and servers run only
verified, allowed messages (``security.dispatcher``).  Servers use
oslo.messaging's default threading executor.
"""
import logging
import socket
import urllib.parse

import oslo_messaging as messaging
from oslo_config import cfg
from oslo_messaging.rpc import server as rpc_server

from novalite import conf as _conf  # noqa: F401 - registers transport_url
from novalite import context as nl_context
from novalite import exception
from novalite import fastjson
from novalite.objects import base as obj_base
from novalite import rpc_json
from novalite import rpc_poll
import novalite.objects  # noqa: F401 - registers every object class
from novalite.security import dispatcher as sec_dispatcher
from novalite.security import keys as sec_keys
from novalite.security import signing

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

TRANSPORT = None
NOTIFICATION_TRANSPORT = None
NOTIFIER = None
VERSIONED_NOTIFIER = None
TRANSPORT_URL = None
SIGNERS = {}          # binary -> signing.Signer of the services in this process
HOST_SIGNERS = {}     # (binary, host) -> Signer: several hosts in one process (tests)
VERIFIER = None

LOCAL_RABBIT = 'rabbit://guest:guest@127.0.0.1:5672/'
rpc_poll.install()
rpc_json.install()


class RequestContextSerializer(messaging.Serializer):
    def serialize_entity(self, ctxt, entity):
        return obj_base.serialize(entity)

    def deserialize_entity(self, ctxt, entity):
        return obj_base.deserialize(entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        identity = ctxt.pop(signing.IDENTITY_KEY, None)
        context = nl_context.RequestContext.from_dict(ctxt)
        # Set only by the VerifyingDispatcher, after the signature checked out.
        context.service_identity = sec_keys.Identity(*identity) if identity else None
        return context


class _SendSerializer(RequestContextSerializer):
    """The client side: SignedClient already serialized context and args."""
    def serialize_entity(self, ctxt, entity):
        return entity

    def serialize_context(self, ctxt):
        return ctxt


def _wire(value):
    """``value`` as the receiver will see it after the JSON round trip."""
    return fastjson.loads(fastjson.dumps_primitive(value))


class SignedClient:
    """An RPC client (or prepared call context) whose messages carry the
    signature of this process's ``sender`` identity."""

    def __init__(self, client, senders):
        self._client, self._senders = client, senders

    @property
    def target(self):
        return self._client.target

    def prepare(self, **kwargs):
        return SignedClient(self._client.prepare(**kwargs), self._senders)

    def can_send_version(self, version):
        return self._client.can_send_version(version)

    def _signed(self, ctxt, method, kwargs):
        target = self._client.target
        cdict = _wire(ctxt if isinstance(ctxt, dict) else ctxt.to_dict())
        args = _wire({k: obj_base.serialize(v) for k, v in kwargs.items()})
        message = {'method': method, 'namespace': target.namespace,
                   'version': target.version, 'args': args}
        recipient = '%s.%s' % (target.topic, target.server) if target.server else target.topic
        signer = signer_for(self._senders, kwargs.get('host'))
        cdict[signing.AUTH_KEY] = signer.sign(cdict, message, recipient)
        return cdict, args

    def cast(self, ctxt, method, **kwargs):
        cdict, args = self._signed(ctxt, method, kwargs)
        self._client.cast(cdict, method, **args)

    def call(self, ctxt, method, **kwargs):
        cdict, args = self._signed(ctxt, method, kwargs)
        return self._client.call(cdict, method, **args)


def signer_for(senders, host=None):
    """The Signer of the first of ``senders`` this process holds a key for
    (for ``host`` when it holds several hosts' keys), else its only one."""
    for binary in senders:
        if (binary, host) in HOST_SIGNERS:
            return HOST_SIGNERS[binary, host]
    for binary in senders:
        if binary in SIGNERS:
            return SIGNERS[binary]
    if len(SIGNERS) == 1:
        return next(iter(SIGNERS.values()))
    raise exception.ServiceNotAuthenticated(
        reason='this process holds no key for %s' % ' or '.join(senders))


def load_identities(binaries, host, key_source='db', enrol_missing=False):
    """Load this process's signing keys and choose where public keys come
    from: the database (api, conductor, scheduler, novalite-all) or the
    trusted-keys file (novalite-compute)."""
    global VERIFIER
    for binary in binaries:
        add_identity(binary, host, enrol_missing)
    store = sec_keys.DBKeyStore() if key_source == 'db' else sec_keys.FileKeyStore()
    VERIFIER = signing.Verifier(store, CONF.rpc_auth.message_ttl)


def add_identity(binary, host, enrol_missing=False):
    """Load (enrolling first if asked and needed) the key of binary@host."""
    path = sec_keys.key_path(binary, host)
    if enrol_missing and not _enrolled(binary, host, path):
        sec_keys.enrol(binary, host, path)
        LOG.info('Enrolled %s@%s; its private key is %s', binary, host, path)
    identity, key = sec_keys.read_key_file(path)
    if identity != (binary, host):
        raise SystemExit('%s holds the key of %s, not of %s@%s' % (path, identity, binary,
                                                                   host))
    signer = signing.Signer(identity, key)
    SIGNERS.setdefault(binary, signer)
    HOST_SIGNERS[binary, host] = signer


def _enrolled(binary, host, path):
    import os
    from novalite.db import service_keys as db_keys
    if not os.path.exists(path):
        return False
    identity, key = sec_keys.read_key_file(path)
    return db_keys.service_key_get(binary, host) == sec_keys.public_text(key)


def _rabbit_answers(url, timeout=1.0):
    parsed = urllib.parse.urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or '127.0.0.1', parsed.port or 5672),
                                      timeout=timeout):
            return True
    except OSError:
        return False


def choose_transport_url(allow_in_process):
    """The configured transport_url; if none: local RabbitMQ when it answers,
    else (all-in-one only) oslo.messaging's in-process fake:// transport."""
    if CONF.transport_url:
        return CONF.transport_url
    if _rabbit_answers(LOCAL_RABBIT):
        LOG.info('transport_url unset: using RabbitMQ on 127.0.0.1:5672')
        return LOCAL_RABBIT
    if allow_in_process:
        LOG.warning('transport_url unset and no RabbitMQ answers on 127.0.0.1:5672: '
                    'using the in-process fake:// transport (all-in-one only)')
        return 'fake://'
    raise SystemExit('transport_url is unset and no RabbitMQ answers on '
                     '127.0.0.1:5672; set [DEFAULT] transport_url')


def init(allow_in_process=False, identities=(), key_source='db', enrol_missing=False):
    """Transport and notifiers; the signing keys of ``identities`` (binaries
    of the services this process runs as, on CONF.host)."""
    global TRANSPORT, NOTIFICATION_TRANSPORT, NOTIFIER, VERSIONED_NOTIFIER, TRANSPORT_URL
    if identities and not SIGNERS:
        load_identities(identities, CONF.host, key_source, enrol_missing)
    if TRANSPORT is not None:
        return
    url = TRANSPORT_URL = choose_transport_url(allow_in_process)
    TRANSPORT = messaging.get_rpc_transport(CONF, url=url,
                                            allowed_remote_exmods=['novalite.exception'])
    NOTIFICATION_TRANSPORT = messaging.get_notification_transport(CONF, url=url)
    serializer = RequestContextSerializer()
    NOTIFIER = messaging.Notifier(NOTIFICATION_TRANSPORT, serializer=serializer)
    VERSIONED_NOTIFIER = messaging.Notifier(
        NOTIFICATION_TRANSPORT, serializer=serializer,
        topics=CONF.notifications.versioned_notifications_topics)


def cleanup():
    global TRANSPORT, NOTIFICATION_TRANSPORT, NOTIFIER, VERSIONED_NOTIFIER
    for t in (TRANSPORT, NOTIFICATION_TRANSPORT):
        if t is not None:
            t.cleanup()
    TRANSPORT = NOTIFICATION_TRANSPORT = NOTIFIER = VERSIONED_NOTIFIER = None
    SIGNERS.clear()
    HOST_SIGNERS.clear()


def get_client(target, version_cap=None, sender=()):
    """A client whose messages are signed as the first of ``sender`` (binary
    names) this process holds a key for."""
    senders = (sender,) if isinstance(sender, str) else tuple(sender)
    return SignedClient(messaging.get_rpc_client(TRANSPORT, target, version_cap=version_cap,
                                                 serializer=_SendSerializer()), senders)


def get_server(target, endpoints):
    if VERIFIER is None:
        raise SystemExit('RPC server started without service keys (rpc.init identities)')
    dispatcher = sec_dispatcher.VerifyingDispatcher(
        endpoints, RequestContextSerializer(), target.topic, target.server, VERIFIER)
    # No executor argument: threading is oslo.messaging's default and naming
    # it at all prints a deprecation warning.
    return rpc_server.RPCServer(TRANSPORT, target, dispatcher)


def get_notifier(publisher_id, versioned=False):
    notifier = VERSIONED_NOTIFIER if versioned else NOTIFIER
    return notifier.prepare(publisher_id=publisher_id)


class _RequeueAfterStop:
    """A stopped server's consumer callback: hand every delivery back to the
    broker (basic.reject, requeue) for another server, never acknowledge it."""

    def __init__(self, callback):
        self.callback = callback

    def __call__(self, message):
        message.requeue()


def cancel_consumers(server):
    """Stop the broker delivering to ``server`` before it stops.

    oslo.messaging's ``RPCServer.stop`` only stops its poll loop: the
    consumers stay registered, and the connection's heartbeat thread goes on
    draining deliveries, whose callback acknowledges each RPC request before
    queuing it for a dispatch that never comes (a call lost to its caller
    until ``call_timeout``).  Here, under the connection lock (held by
    whichever thread reads deliveries), each consumer's callback is replaced
    by one that requeues (basic.reject) and the consumer is cancelled on the
    broker (basic.cancel, not waiting for the answer: this thread must not
    read the connection).  What was delivered before is dispatched by the
    still-running poll loop; what comes after goes back to the queue for
    another server.  Returns the number of consumers cancelled; 0 on a
    transport without consumers (fake://).
    """
    listener = getattr(getattr(server, 'listener', None), '_poll_style_listener', None)
    conn = getattr(getattr(listener, 'conn', None), 'connection', None)
    consumers = getattr(conn, '_consumers', None)
    if not consumers:
        return 0
    cancelled = 0
    with conn._connection_lock:
        for consumer, tag in list(consumers.items()):
            consumer.callback = _RequeueAfterStop(consumer.callback)
            try:
                consumer.queue.channel.basic_cancel(str(tag), nowait=True)
                cancelled += 1
            except Exception as exc:  # noqa: BLE001 - a lost channel cancels too
                LOG.warning('Cancelling the consumer of %s failed: %s',
                            consumer.queue_name, exc)
    return cancelled
