"""novalite-compute: builds guests; no database access (all through the conductor)."""
import importlib.abc
import sys

from oslo_config import cfg

from novalite.cmd import common
from novalite.compute import manager
from novalite import service

CONF = cfg.CONF


class _NoDatabase(importlib.abc.MetaPathFinder):
    """Refuses to import novalite's database layer."""

    def find_spec(self, name, path=None, target=None):
        if name == 'novalite.db' or name.startswith('novalite.db.'):
            raise ImportError('No DB access allowed in novalite-compute (%s)' % name,
                              name=name)
        return None


def block_db_access():
    """Like Nova: any attempt to reach the database from compute is a bug.

    The database layer is refused at import, so it is never loaded: importing
    it only to disable it cost the daemon SQLAlchemy and its ORM, about a
    third of its memory (doc/scale.md, Memory)."""
    sys.meta_path.insert(0, _NoDatabase())
    db_session = sys.modules.get('novalite.db.session')
    if db_session is not None:      # imported before (a test's process)
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
