"""oslo.messaging's AMQP polling loops, without their bursts of short waits.

Two threads of every daemon read the broker: the reply waiter
(``amqpdriver.ReplyWaiter.poll``, the answers to its calls) and each RPC
server's listener (``amqpdriver.AMQPListener.poll``, its requests).  After
every message oslo.messaging's loops wait 1 ms, then 2, 4, ... up to 5 s,
raising and catching a timeout at each step: under steady traffic they wake
several times per message for nothing.  The reply waiter's loop was the
largest share of a compute host's CPU in the boot benchmark, and the
listener's a third of the scheduler's (``benchmarks/profile_boots.py``).

The short waits serve no purpose on these connections: a message ends the
wait the moment it arrives (kombu's ``drain_events``), a reply is
acknowledged in the waiter's thread as it is read, and an RPC request in
the listener's thread as it is received (``RpcAMQPListener.__call__``,
before any worker sees it).  So both loops here wait a steady
``POLL_SECONDS`` (the driver caps it at its own poll timeout, 1 s, or its
heartbeat interval), which also bounds how long ``stop`` takes.

Notification listeners keep oslo.messaging's loop: their messages are
acknowledged by the worker threads through the listener's queue of
operations, which only its loop runs.
"""
import logging
import time

from oslo_messaging._drivers import amqpdriver
from oslo_messaging._drivers import base
from oslo_messaging._drivers import common as rpc_common

LOG = logging.getLogger(__name__)
POLL_SECONDS = 1.0


def _poll(self):
    """ReplyWaiter.poll: read replies until the waiter stops."""
    while not self._thread_exit_event.is_set():
        try:
            self.conn.consume(timeout=POLL_SECONDS)
        except rpc_common.Timeout:
            pass
        except Exception:  # noqa: BLE001 - as oslo.messaging: log, go on reading
            LOG.exception('Failed to process incoming reply, retrying')


@base.batch_poll_helper
def _listen(self, timeout=None):
    """RpcAMQPListener.poll: the next request received, or None once
    ``timeout`` has passed (None: wait for one) or the listener stopped."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not self._shutdown.is_set():
        self._message_operations_handler.process()
        if self.incoming:
            return self.incoming.pop(0)
        wait = POLL_SECONDS
        if deadline is not None:
            wait = min(wait, deadline - time.monotonic())
            if wait <= 0:
                return None
        try:
            self.conn.consume(timeout=wait)
        except rpc_common.Timeout:
            pass
    # stopped: what was received still goes to the workers (as oslo.messaging)
    self._message_operations_handler.process()
    if self.incoming:
        return self.incoming.pop(0)
    self._shutoff.set()
    return None


def install():
    """Use the loops above for every reply waiter and RPC server listener
    created from now on."""
    if hasattr(getattr(amqpdriver, 'ReplyWaiter', None), 'poll'):
        amqpdriver.ReplyWaiter.poll = _poll
    if hasattr(getattr(amqpdriver, 'RpcAMQPListener', None), 'poll'):
        amqpdriver.RpcAMQPListener.poll = _listen
