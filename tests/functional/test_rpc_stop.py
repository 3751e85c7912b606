"""A stopping RPC server consumes nothing it will not finish (real RabbitMQ):
``rpc.cancel_consumers`` takes its consumers off the broker's queues, so a
message sent while it stops waits in the queue for another server instead of
being acknowledged by a server that will never dispatch it."""
import threading
import urllib.parse

import oslo_messaging as messaging
from oslo_config import cfg

import novalite.conf  # noqa: F401 - registers the rabbit options
from novalite import rpc
from tests import services
from tests.cloud import wait_for

CONF = cfg.CONF
TOPIC = 'stoptest'


class Endpoint:
    def __init__(self):
        self.seen = []
        self.event = threading.Event()

    def hello(self, ctxt, n):
        self.seen.append(n)
        self.event.set()
        return n


def _server(transport, endpoint):
    server = messaging.get_rpc_server(transport, messaging.Target(topic=TOPIC, server='h1'),
                                      [endpoint])
    server.start()
    return server


def _consumers(vhost):
    out = services._rabbitmqctl('list_queues', '-p', vhost, '--no-table-headers',
                                'name', 'consumers').stdout
    rows = dict(line.split() for line in out.splitlines() if line.strip())
    return {q: int(rows[q]) for q in (TOPIC, TOPIC + '.h1') if q in rows}


def test_cancelled_server_leaves_new_messages_queued_for_another(rabbit_url):
    vhost = urllib.parse.unquote(urllib.parse.urlparse(rabbit_url).path[1:])
    transport = messaging.get_rpc_transport(CONF, url=rabbit_url)
    client = messaging.get_rpc_client(transport, messaging.Target(topic=TOPIC))
    first, second = Endpoint(), Endpoint()
    stopping = _server(transport, first)
    try:
        assert client.prepare(timeout=30).call({}, 'hello', n=1) == 1
        assert _consumers(vhost) == {TOPIC: 1, TOPIC + '.h1': 1}

        assert rpc.cancel_consumers(stopping) >= 2
        wait_for(lambda: _consumers(vhost) == {TOPIC: 0, TOPIC + '.h1': 0}, 30,
                 interval=0.5, what='the consumers gone from the broker')
        client.cast({}, 'hello', n=2)          # sent while the first one stops
        stopping.stop()
        stopping.wait()
        assert first.seen == [1]

        other = _server(transport, second)
        try:
            assert second.event.wait(30), 'the message sent during the stop was lost'
            assert second.seen == [2]
        finally:
            other.stop()
            other.wait()
    finally:
        transport.cleanup()


def test_no_consumers_on_the_in_process_transport():
    transport = messaging.get_rpc_transport(CONF, url='fake://')
    server = _server(transport, Endpoint())
    try:
        assert rpc.cancel_consumers(server) == 0
    finally:
        server.stop()
        server.wait()
        transport.cleanup()
