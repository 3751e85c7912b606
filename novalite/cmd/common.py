"""Shared start-up for the RPC daemons: config, RPC, launcher."""
import sys

from oslo_config import cfg

from novalite import config
from novalite import rpc
from novalite import service

CONF = cfg.CONF


def serve(argv, make_service, binary, key_source='db'):
    """main() of a one-service daemon: config, RPC signed as ``binary``,
    start, READY=1, run until SIGTERM (graceful stop), exit 0."""
    config.parse_args(argv)
    rpc.init(identities=[binary], key_source=key_source)
    launcher = service.ServiceLauncher(CONF)
    launcher.launch_service(make_service())
    launcher.install_signal_handlers()
    sys.exit(launcher.wait(on_stop=[rpc.cleanup]))
