"""oslo.messaging plumbing: transport, RPC clients and servers, notifier.

The request context rides in every message (RequestContextSerializer) and
objects travel as plain primitives (objects.base).  Servers use oslo.messaging's
default threading executor.
"""
import logging
import socket
import urllib.parse

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import conf as _conf  # noqa: F401 - registers transport_url
from novalite import context as nl_context
from novalite.objects import base as obj_base
import novalite.objects  # noqa: F401 - registers every object class

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

TRANSPORT = None
NOTIFICATION_TRANSPORT = None
NOTIFIER = None
VERSIONED_NOTIFIER = None
TRANSPORT_URL = None

LOCAL_RABBIT = 'rabbit://guest:guest@127.0.0.1:5672/'


class RequestContextSerializer(messaging.Serializer):
    def serialize_entity(self, ctxt, entity):
        return obj_base.serialize(entity)

    def deserialize_entity(self, ctxt, entity):
        return obj_base.deserialize(entity)

    def serialize_context(self, ctxt):
        return ctxt.to_dict()

    def deserialize_context(self, ctxt):
        return nl_context.RequestContext.from_dict(ctxt)


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


def init(allow_in_process=False):
    global TRANSPORT, NOTIFICATION_TRANSPORT, NOTIFIER, VERSIONED_NOTIFIER, TRANSPORT_URL
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


def get_client(target, version_cap=None):
    return messaging.get_rpc_client(TRANSPORT, target, version_cap=version_cap,
                                    serializer=RequestContextSerializer())


def get_server(target, endpoints):
    # No executor= argument: threading is oslo.messaging's default and naming
    # it at all prints a deprecation warning.
    return messaging.get_rpc_server(TRANSPORT, target, endpoints,
                                    serializer=RequestContextSerializer())


def get_notifier(publisher_id, versioned=False):
    notifier = VERSIONED_NOTIFIER if versioned else NOTIFIER
    return notifier.prepare(publisher_id=publisher_id)
