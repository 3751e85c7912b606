"""The reply waiter of oslo.messaging's AMQP driver, without its busy loop.

Every process that makes RPC calls has one thread reading its reply queue
(``amqpdriver.ReplyWaiter.poll``).  oslo.messaging's loop waits 1 ms after
each reply, then 2, 4, ... up to 5 s, raising and catching a timeout at each
step: under steady traffic it wakes several times per reply for nothing, and
it was the largest share of a compute host's CPU in the boot benchmark
(``benchmarks/profile_boots.py``).  The short waits serve no purpose on this
connection: a reply ends the wait the moment it arrives (kombu's
``drain_events``), the reply is acknowledged in this thread as it is read,
and nothing else uses the connection.  So the loop here waits a steady
``POLL_SECONDS`` (the driver caps it at its own poll timeout, 1 s, or its
heartbeat interval), which also bounds how long ``stop`` takes as before.

Only the reply side changes; the RPC servers' listener keeps its short
waits, which carry acknowledgements made by other threads.
"""
import logging

from oslo_messaging._drivers import amqpdriver
from oslo_messaging._drivers import common as rpc_common

LOG = logging.getLogger(__name__)
POLL_SECONDS = 1.0


def _poll(self):
    while not self._thread_exit_event.is_set():
        try:
            self.conn.consume(timeout=POLL_SECONDS)
        except rpc_common.Timeout:
            pass
        except Exception:  # noqa: BLE001 - as oslo.messaging: log, go on reading
            LOG.exception('Failed to process incoming reply, retrying')


def install():
    """Use the loop above for every ReplyWaiter created from now on."""
    if getattr(amqpdriver, 'ReplyWaiter', None) is not None and hasattr(
            amqpdriver.ReplyWaiter, 'poll'):
        amqpdriver.ReplyWaiter.poll = _poll
