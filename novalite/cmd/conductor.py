"""novalite-conductor: builds (namespace compute_task) and compute's DB proxy."""
import sys

from oslo_config import cfg

from novalite.cmd import common
from novalite.conductor import manager
from novalite import service

CONF = cfg.CONF


def make_service():
    svc_mgr = manager.ConductorService()
    return service.Service(
        CONF.host, 'novalite-conductor', 'conductor', svc_mgr,
        report_state=svc_mgr.report_state,
        endpoints=[svc_mgr.compute_task_mgr, svc_mgr.conductor_mgr])


def main(argv=None):
    common.serve(argv or sys.argv, make_service)
