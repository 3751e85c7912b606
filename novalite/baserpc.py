"""Nova's ``baseapi`` RPC namespace: what every service answers besides its
own API.  ``ping`` proves the broker path to a service's own queue; the
conductor's heartbeat calls it on itself (``conductor.manager``)."""
import oslo_messaging as messaging

NAMESPACE = 'baseapi'


class BaseRPC:
    target = messaging.Target(namespace=NAMESPACE, version='1.0')

    def __init__(self, binary, host):
        self.binary, self.host = binary, host

    def ping(self, context, arg=None):
        return {'service': self.binary, 'host': self.host, 'arg': arg}


def ping_client(topic, server, sender):
    """A client of ``server``'s ``baseapi`` on ``topic``, signed as ``sender``."""
    from novalite import rpc
    return rpc.get_client(messaging.Target(topic=topic, server=server,
                                           namespace=NAMESPACE, version='1.0'),
                          sender=sender)
