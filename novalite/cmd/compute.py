"""novalite-compute: builds guests; no database access (all through the conductor)."""
import sys

from oslo_config import cfg

from novalite.cmd import common
from novalite.compute import manager
from novalite import service

CONF = cfg.CONF


def block_db_access():
    """Like Nova: any attempt to reach the database from compute is a bug."""
    from novalite.db import session as db_session

    def _no_db(*args, **kwargs):
        raise RuntimeError('No DB access allowed in novalite-compute')
    db_session.get_engine = _no_db
    db_session.create_engine = _no_db


def make_service():
    mgr = manager.ComputeManager(CONF.host)
    return service.Service(CONF.host, 'novalite-compute', 'compute', mgr,
                           report_state=mgr.report_state)


def main(argv=None):
    block_db_access()
    # no database: the control plane's public keys come from the trusted-keys file
    common.serve(argv or sys.argv, make_service, 'novalite-compute', key_source='file')
