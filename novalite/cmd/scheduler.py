"""novalite-scheduler: select_destinations."""
import sys

from oslo_config import cfg

from novalite.cmd import common
from novalite.db import hosts as db_hosts
from novalite import rpc
from novalite.scheduler import manager
from novalite import service

CONF = cfg.CONF


def make_service():
    return service.Service(
        CONF.host, 'novalite-scheduler', 'scheduler', manager.SchedulerManager(),
        report_state=lambda: db_hosts.service_heartbeat(CONF.host, 'novalite-scheduler',
                                                        'scheduler'))


def main(argv=None):
    common.parse_args(argv or sys.argv)
    rpc.init()
    svc = make_service()
    svc.start()
    common.run_until_signalled([svc.stop, rpc.cleanup])
