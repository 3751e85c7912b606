"""novalite-api: the compute API on a threaded WSGI server (cheroot).

``[DEFAULT] osapi_compute_workers`` processes (as Nova's option) each serve
``[wsgi] default_pool_size`` requests at once on the same port (SO_REUSEPORT).
READY=1 goes to systemd once the port accepts connections.  SIGTERM: the
listening sockets close (no new connections), requests in progress finish
within ``graceful_shutdown_timeout``, exit 0.  SIGHUP: reload (as the RPC
daemons), forwarded to the workers.
"""
import logging
import os
import signal
import socket
import sys
import threading
import time

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg

from novalite.api import wsgi as api_wsgi
from novalite.cmd import common
from novalite import config
from novalite import rpc
from novalite import service
from novalite import systemd

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


class WSGIService:
    """The API in this process, as Nova's service.WSGIService."""

    def __init__(self, app=None, reuse_port=False):
        self.server = cheroot_wsgi.Server(
            (CONF.osapi_compute_listen, CONF.osapi_compute_listen_port),
            app or api_wsgi.build_app(), numthreads=CONF.wsgi.default_pool_size,
            server_name='novalite-api', reuse_port=reuse_port,
            shutdown_timeout=CONF.graceful_shutdown_timeout or None)
        self._thread = None

    @property
    def port(self):
        return self.server.bind_addr[1]

    def start(self):
        self.server.prepare()
        self._thread = threading.Thread(target=self.server.serve, name='api', daemon=True)
        self._thread.start()
        LOG.info('novalite-api listening on http://%s:%s/', CONF.osapi_compute_listen,
                 self.port)

    def stop(self):
        LOG.info('novalite-api stopping: no new connections, finishing requests')
        self.server.stop()


def make_server(app=None):
    """The API's cheroot server, for callers that run it themselves."""
    return WSGIService(app).server


def _serve_in_process(reuse_port=False, ready=True):
    rpc.init(identities=['novalite-api'])
    api = WSGIService(reuse_port=reuse_port)
    common.freeze_startup_objects()
    launcher = service.ServiceLauncher(CONF)
    launcher.launch_service(api)
    launcher.install_signal_handlers()
    return launcher.wait(ready=ready, on_stop=[rpc.cleanup])


def _wait_listening(timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((CONF.osapi_compute_listen,
                                           CONF.osapi_compute_listen_port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _run_workers(count):
    """Parent of ``count`` worker processes: forwards SIGTERM/SIGHUP, waits
    for them (graceful_shutdown_timeout, then SIGKILL), exits 0."""
    children = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:
            os.environ.pop('NOTIFY_SOCKET', None)   # only the parent talks to systemd
            os._exit(_serve_in_process(reuse_port=True, ready=False))
        children.append(pid)
    got = {'sig': None}
    wake = threading.Event()

    def _handler(signum, frame):
        got['sig'] = signum
        wake.set()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _handler)
    if _wait_listening():
        systemd.notify('READY=1')
    while True:
        wake.wait()
        wake.clear()
        if got['sig'] == signal.SIGHUP:
            for pid in children:
                os.kill(pid, signal.SIGHUP)
            continue
        break
    systemd.notify('STOPPING=1')
    for pid in children:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + (CONF.graceful_shutdown_timeout or 3600) + 5
    code = 0
    for pid in children:
        while True:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = code or os.waitstatus_to_exitcode(status)
                break
            if time.monotonic() > deadline:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                code = 1
                break
            time.sleep(0.05)
    return code


def main(argv=None):
    config.parse_args(argv or sys.argv)
    if CONF.osapi_compute_workers > 1:
        sys.exit(_run_workers(CONF.osapi_compute_workers))
    sys.exit(_serve_in_process())
