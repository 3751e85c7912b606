"""Client side of the compute RPC API (seed 3.9): casts to one host."""
import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
TOPIC = 'compute'


class ComputeAPI:
    VERSION = '6.0'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, version=self.VERSION),
                                     sender=('novalite-conductor', 'novalite-api'))

    def build_and_run_instance(self, ctxt, instance, host, image, request_spec,
                               filter_properties, admin_password=None, injected_files=None,
                               requested_networks=None, security_groups=None,
                               block_device_mapping=None, node=None, limits=None,
                               host_list=None):
        cctxt = self.client.prepare(server=host, version='6.0')
        cctxt.cast(ctxt, 'build_and_run_instance', instance=instance, image=image,
                   request_spec=request_spec, filter_properties=filter_properties,
                   admin_password=admin_password, injected_files=injected_files,
                   requested_networks=requested_networks, security_groups=security_groups,
                   block_device_mapping=block_device_mapping, node=node, limits=limits,
                   host_list=host_list)

    def terminate_instance(self, ctxt, instance, host):
        cctxt = self.client.prepare(server=host, version='6.0')
        cctxt.cast(ctxt, 'terminate_instance', instance=instance)

    def external_instance_event(self, ctxt, instances, events, host):
        cctxt = self.client.prepare(server=host, version='6.0')
        cctxt.cast(ctxt, 'external_instance_event', instances=instances, events=events)

    def get_console_output(self, ctxt, instance, host, tail_length=None):
        cctxt = self.client.prepare(server=host, version='6.0')
        return cctxt.call(ctxt, 'get_console_output', instance=instance,
                          tail_length=tail_length)
