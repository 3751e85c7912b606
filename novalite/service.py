"""A daemon: an RPC server on its topic, heartbeats, periodic tasks; and the
launcher that runs it under systemd.

Every novalite daemon except the API is one ``Service``.  Periodic tasks are
plain threads waiting on an Event with a timeout between runs.

``ServiceLauncher`` plays the part of oslo.service's launcher (same names:
``launch_service``, ``wait``, ``graceful_shutdown_timeout``), in-process and
on native threads.  oslo.service's threading backend runs every service in a
cotyledon child process and turns SIGHUP into a restart of that child, which
would drain and restart a compute's builds on every reload; here SIGHUP
reloads in place:

- READY=1 to systemd once the RPC server consumes;
- SIGTERM/SIGINT: stop consuming (the consumers are cancelled, and prefetch
  is bounded so nothing else is held), finish what was received, let the
  manager drain its builds within ``graceful_shutdown_timeout``, exit 0;
- SIGHUP: re-read the config files and apply the mutable options (``debug``
  and the log levels, through oslo.log's mutate hook), reload the policy file.
"""
import logging
import signal
import sys
import threading
import time

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc
from novalite import systemd

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

# How often the launcher's main thread wakes to run the Python signal
# handlers a signal caught by another thread left pending (see wait).
SIGNAL_POLL_INTERVAL = 0.5


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
        """Graceful stop: no new messages, the received ones dispatched, the
        manager's builds drained, all within graceful_shutdown_timeout."""
        timeout = CONF.graceful_shutdown_timeout
        deadline = time.monotonic() + timeout if timeout else None
        self._stop.set()
        if self.rpcserver is not None:
            cancelled = rpc.cancel_consumers(self.rpcserver)
            LOG.info('%s stopping: no longer consuming from %s (%d consumers cancelled)',
                     self.binary, self.topic, cancelled)
            self.rpcserver.stop()
            waiter = threading.Thread(target=self.rpcserver.wait, daemon=True)
            waiter.start()
            waiter.join(None if deadline is None else max(0, deadline - time.monotonic()))
            if waiter.is_alive():
                LOG.warning('%s: RPC requests still running at the end of '
                            'graceful_shutdown_timeout (%d s)', self.binary, timeout)
        if hasattr(self.manager, 'graceful_stop'):
            self.manager.graceful_stop(deadline)
        if hasattr(self.manager, 'cleanup_host'):
            self.manager.cleanup_host()
        LOG.info('%s stopped', self.binary)

    def wait(self):
        self._stop.wait()


def reload_config():
    """SIGHUP: mutable options (debug, log levels) and the policy file."""
    LOG.info('SIGHUP: reloading the configuration files and the policy file')
    CONF.mutate_config_files()
    # only the daemons that enforce policies (novalite-api) load them
    policy = sys.modules.get('novalite.policy')
    if policy is not None:
        policy.reset()


class ServiceLauncher:
    """Run services until SIGTERM/SIGINT; SIGHUP reloads (see the module
    docstring).  ``wait`` returns the exit code."""

    def __init__(self, conf=CONF):
        self.conf = conf
        self.services = []
        self._signal = None
        self._wake = threading.Event()

    def launch_service(self, service, workers=1):
        if workers != 1:
            raise ValueError('ServiceLauncher runs one worker per service')
        service.start()
        self.services.append(service)

    def _handler(self, signum, frame):
        self._signal = signum
        self._wake.set()

    def install_signal_handlers(self):
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._handler)

    def wait(self, ready=True, on_stop=()):
        if ready:
            systemd.notify('READY=1')
        while True:
            # Never block without a timeout: a signal the kernel hands to
            # another thread (as it does for a SIGTERM sent while the
            # process was stopped, then continued) only runs its Python
            # handler once the main thread returns to the interpreter; a
            # plain wait() would sleep through it until the next signal.
            while not self._wake.wait(SIGNAL_POLL_INTERVAL):
                pass
            self._wake.clear()
            signum, self._signal = self._signal, None
            if signum == signal.SIGHUP:
                systemd.notify('RELOADING=1')
                try:
                    reload_config()
                except Exception:  # noqa: BLE001 - a bad file must not kill the daemon
                    LOG.exception('Reloading the configuration failed')
                systemd.notify('READY=1')
                continue
            if signum is not None:
                break
        LOG.info('Caught %s, stopping', signal.Signals(signum).name)
        systemd.notify('STOPPING=1')
        code = 0
        for cb in [s.stop for s in reversed(self.services)] + list(on_stop):
            try:
                cb()
            except Exception:  # noqa: BLE001
                LOG.exception('error while stopping')
                code = 1
        return code
