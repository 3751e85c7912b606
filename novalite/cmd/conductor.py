"""novalite-conductor: builds (namespace compute_task) and compute's DB proxy."""
import sys

from oslo_config import cfg

from novalite import baserpc
from novalite.cmd import common
from novalite.conductor import manager
from novalite import service

CONF = cfg.CONF


def make_service():
    # the RPC endpoints, and the periodic duties apart (not callable over RPC)
    tasks = manager.PeriodicTasks()
    return service.Service(
        CONF.host, 'novalite-conductor', 'conductor', tasks,
        report_state=tasks.report_state,
        endpoints=[manager.ComputeTaskManager(), manager.ConductorManager(),
                   baserpc.BaseRPC('novalite-conductor', CONF.host)])


def main(argv=None):
    common.serve(argv or sys.argv, make_service, 'novalite-conductor')
