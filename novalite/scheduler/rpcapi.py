"""Client side of the scheduler RPC API: ``select_destinations`` is a call."""
import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
TOPIC = 'scheduler'


class SchedulerAPI:
    VERSION = '4.5'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, version=self.VERSION),
                                     sender='novalite-conductor')

    def select_destinations(self, ctxt, spec_obj, instance_uuids, return_alternates=True):
        """A list per instance: [chosen Selection, alternates...]."""
        cctxt = self.client.prepare(version='4.5', timeout=CONF.long_rpc_timeout,
                                    call_monitor_timeout=CONF.rpc_response_timeout)
        return cctxt.call(ctxt, 'select_destinations', spec_obj=spec_obj,
                          instance_uuids=instance_uuids, return_alternates=return_alternates)
