"""The AMQP polling loops (``novalite/rpc_poll.py``) on a real RabbitMQ:
requests and replies arrive, an idle reply waiter and an idle RPC server
listener each wake about once a second instead of in a burst of short
timeouts after every message, and the transport still stops."""
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg

import novalite.conf  # noqa: F401 - registers the rabbit options
from novalite import rpc  # noqa: F401 - installs the loops
from novalite import rpc_poll

CONF = cfg.CONF


class Echo:
    def echo(self, ctxt, n):
        return n


def _count_consumes(conn):
    calls, original = [], conn.consume

    def counting(*args, **kwargs):
        calls.append(kwargs.get('timeout'))
        return original(*args, **kwargs)
    conn.consume = counting
    return calls


def test_messages_arrive_and_idle_loops_stay_quiet(rabbit_url):
    transport = messaging.get_rpc_transport(CONF, url=rabbit_url)
    server = messaging.get_rpc_server(
        transport, messaging.Target(topic='replytest', server='h1'), [Echo()])
    server.start()
    client = messaging.get_rpc_client(transport, messaging.Target(topic='replytest'),
                                      timeout=30)
    try:
        assert client.call({}, 'echo', n=1) == 1
        waiter = transport._driver._waiter
        assert type(waiter).poll is rpc_poll._poll
        listener = server.listener._poll_style_listener
        assert type(listener).poll is rpc_poll._listen
        replies, requests = _count_consumes(waiter.conn), _count_consumes(listener.conn)
        assert client.call({}, 'echo', n=2) == 2
        # a measuring window, not a synchronisation: oslo.messaging's own loops
        # read the queue about 11 times in the 1.5 s after a message (1, 2, 4 ... ms)
        time.sleep(1.5)
        for calls in (replies, requests):
            assert 1 <= len(calls) <= 3, calls
            assert set(calls) == {rpc_poll.POLL_SECONDS}, calls
        results = []
        threads = [threading.Thread(target=lambda i=i: results.append(
            client.call({}, 'echo', n=i))) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == list(range(20))
    finally:
        started = time.monotonic()
        server.stop()           # the listener's loop ends within its wait
        server.wait()
        transport.cleanup()       # joins the reply waiter's thread
        assert time.monotonic() - started < 10
