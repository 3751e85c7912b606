"""The reply waiter (``novalite/rpc_reply.py``) on a real RabbitMQ: replies
arrive, an idle waiter wakes about once a second instead of in a burst of
short timeouts after every reply, and the transport still stops."""
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg

import novalite.conf  # noqa: F401 - registers the rabbit options
from novalite import rpc  # noqa: F401 - installs the reply waiter's loop
from novalite import rpc_reply

CONF = cfg.CONF


class Echo:
    def echo(self, ctxt, n):
        return n


def test_replies_arrive_and_an_idle_waiter_stays_quiet(rabbit_url):
    transport = messaging.get_rpc_transport(CONF, url=rabbit_url)
    server = messaging.get_rpc_server(
        transport, messaging.Target(topic='replytest', server='h1'), [Echo()])
    server.start()
    client = messaging.get_rpc_client(transport, messaging.Target(topic='replytest'),
                                      timeout=30)
    try:
        assert client.call({}, 'echo', n=1) == 1
        waiter = transport._driver._waiter
        assert type(waiter).poll is rpc_reply._poll
        calls, original = [], waiter.conn.consume

        def counting(*args, **kwargs):
            calls.append(kwargs.get('timeout'))
            return original(*args, **kwargs)
        waiter.conn.consume = counting
        assert client.call({}, 'echo', n=2) == 2
        # a measuring window, not a synchronisation: oslo.messaging's own loop
        # reads the queue about 11 times in the 1.5 s after a reply (1, 2, 4 ... ms)
        time.sleep(1.5)
        assert 1 <= len(calls) <= 3, calls
        assert set(calls) == {rpc_reply.POLL_SECONDS}
        results = []
        threads = [threading.Thread(target=lambda i=i: results.append(
            client.call({}, 'echo', n=i))) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert sorted(results) == list(range(20))
    finally:
        server.stop()
        server.wait()
        started = time.monotonic()
        transport.cleanup()       # joins the reply waiter's thread
        assert time.monotonic() - started < 10
