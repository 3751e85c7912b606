"""Shared start-up for the novalite daemons: config, logging, signals."""
import signal
import sys
import threading
import warnings

from oslo_config import cfg
from oslo_log import log as logging

from novalite import conf as _conf  # noqa: F401 - registers every option
from novalite import rpc
from novalite import version

CONF = cfg.CONF


def parse_args(argv, default_config_files=None):
    warnings.filterwarnings('ignore', category=DeprecationWarning)
    warnings.filterwarnings('ignore', module='oslo_service')
    warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
    logging.register_options(CONF)
    CONF(argv[1:], project='novalite', version=version.version_string(),
         default_config_files=default_config_files)
    logging.setup(CONF, 'novalite')


def serve(argv, make_service, binary, key_source='db'):
    """main() of a one-service daemon: config, RPC signed as ``binary``,
    start, run until signalled, stop."""
    parse_args(argv)
    rpc.init(identities=[binary], key_source=key_source)
    svc = make_service()
    svc.start()
    run_until_signalled([svc.stop, rpc.cleanup])


def run_until_signalled(stop_callbacks):
    """Block until SIGTERM/SIGINT, then run ``stop_callbacks`` in order."""
    stopped = threading.Event()

    def _handler(signum, frame):
        stopped.set()
    signal.signal(signal.SIGTERM, _handler)
    signal.signal(signal.SIGINT, _handler)
    while not stopped.wait(3600):
        pass
    for cb in stop_callbacks:
        try:
            cb()
        except Exception:  # noqa: BLE001
            logging.getLogger(__name__).exception('error while stopping')
    sys.exit(0)
