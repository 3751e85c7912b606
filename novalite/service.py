"""A daemon: an RPC server on its topic, heartbeats, periodic tasks.

Every novalite daemon except the API is one ``Service``.  Periodic tasks are
plain threads waiting on an Event with a timeout between runs.
"""
import logging
import threading

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class PeriodicTask:
    def __init__(self, name, interval, func):
        self.name, self.interval, self.func = name, interval, func


class Service:
    """``manager`` has the life-cycle hooks (init_host, post_start_hook,
    periodic_tasks, cleanup_host); ``endpoints`` are the objects served over
    RPC, the manager itself unless given (only their public methods are
    callable, so keep periodic duties off them)."""

    def __init__(self, host, binary, topic, manager, report_state, endpoints=None):
        self.host, self.binary, self.topic = host, binary, topic
        self.manager = manager
        self.report_state = report_state
        self.endpoints = [manager] if endpoints is None else list(endpoints)
        self._stop = threading.Event()
        self._threads = []
        self.rpcserver = None

    def start(self):
        """init_host, then consume from the queues, then announce the service
        (a call or cast to a queue nobody declared yet would be lost)."""
        if hasattr(self.manager, 'init_host'):
            self.manager.init_host()
        target = messaging.Target(topic=self.topic, server=self.host)
        self.rpcserver = rpc.get_server(target, self.endpoints)
        self.rpcserver.start()
        if hasattr(self.manager, 'post_start_hook'):
            self.manager.post_start_hook()
        self.report_state()
        tasks = [PeriodicTask('report_state', CONF.report_interval, self.report_state)]
        tasks += list(getattr(self.manager, 'periodic_tasks', lambda: [])())
        for task in tasks:
            t = threading.Thread(target=self._run_periodic, args=(task,),
                                 name='periodic-%s' % task.name, daemon=True)
            t.start()
            self._threads.append(t)
        LOG.info('%s started on host %s (topic %s)', self.binary, self.host, self.topic)

    def _run_periodic(self, task):
        while not self._stop.wait(task.interval):
            try:
                task.func()
            except Exception:  # noqa: BLE001 - a periodic task must keep running
                LOG.exception('Periodic task %s failed', task.name)

    def stop(self):
        self._stop.set()
        if self.rpcserver is not None:
            self.rpcserver.stop()
            self.rpcserver.wait()
        if hasattr(self.manager, 'cleanup_host'):
            self.manager.cleanup_host()

    def wait(self):
        self._stop.wait()
