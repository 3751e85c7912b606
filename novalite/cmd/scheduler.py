"""novalite-scheduler: select_destinations."""
import sys

from oslo_config import cfg

from novalite.cmd import common
from novalite.db import hosts as db_hosts
from novalite.scheduler import manager
from novalite import service

CONF = cfg.CONF


def make_service():
    return service.Service(
        CONF.host, 'novalite-scheduler', 'scheduler', manager.SchedulerManager(),
        report_state=lambda: db_hosts.service_heartbeat(CONF.host, 'novalite-scheduler',
                                                        'scheduler'))


def main(argv=None):
    common.serve(argv or sys.argv, make_service, 'novalite-scheduler')
