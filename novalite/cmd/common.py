"""Shared start-up for the RPC daemons: config, RPC, launcher."""
import sys

from oslo_config import cfg

from novalite import config
from novalite import rpc
from novalite import service

CONF = cfg.CONF


def serve(argv, make_service):
    """main() of a one-service daemon: config, RPC, start, READY=1, run until
    SIGTERM (graceful stop), exit 0."""
    config.parse_args(argv)
    rpc.init()
    launcher = service.ServiceLauncher(CONF)
    launcher.launch_service(make_service())
    launcher.install_signal_handlers()
    sys.exit(launcher.wait(on_stop=[rpc.cleanup]))
