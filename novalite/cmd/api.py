"""novalite-api: the compute API on a threaded WSGI server (cheroot)."""
import logging
import sys

from cheroot import wsgi as cheroot_wsgi
from oslo_config import cfg

from novalite.api import wsgi as api_wsgi
from novalite.cmd import common
from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


def make_server(app=None):
    app = app or api_wsgi.build_app()
    server = cheroot_wsgi.Server((CONF.osapi_compute_listen, CONF.osapi_compute_listen_port),
                                 app, numthreads=CONF.osapi_compute_workers,
                                 server_name='novalite-api')
    return server


def main(argv=None):
    common.parse_args(argv or sys.argv)
    rpc.init(identities=['novalite-api'])
    server = make_server()
    server.prepare()
    LOG.info('novalite-api listening on http://%s:%s/', CONF.osapi_compute_listen,
             server.bind_addr[1])
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        rpc.cleanup()
