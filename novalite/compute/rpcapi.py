"""Client side of the compute RPC API (seed 3.9): casts to one host.

6.0 is the build, terminate and console API; 6.1 adds external_instance_event;
6.2 adds build_and_run_instances, novalite's batch extension (a host's
instances of one request in one message; Nova casts once per instance).
``[upgrade_levels] compute`` caps what is sent (can_send_version), as Nova's.
"""
import logging

import oslo_messaging as messaging
from oslo_config import cfg

from novalite import rpc

CONF = cfg.CONF
LOG = logging.getLogger(__name__)
TOPIC = 'compute'


class ComputeAPI:
    VERSION = '6.2'

    def __init__(self):
        self.client = rpc.get_client(messaging.Target(topic=TOPIC, version=self.VERSION),
                                     version_cap=CONF.upgrade_levels.compute,
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

    def can_send_version(self, version):
        return self.client.can_send_version(version)

    def build_and_run_instances(self, ctxt, host, builds, image, request_spec,
                                admin_password=None, injected_files=None,
                                requested_networks=None, security_groups=None,
                                block_device_mapping=None):
        """6.2: ``builds`` is one dict per instance (instance,
        filter_properties, node, limits, host_list); callers check
        ``can_send_version('6.2')`` and otherwise cast build_and_run_instance
        once per instance."""
        cctxt = self.client.prepare(server=host, version='6.2')
        cctxt.cast(ctxt, 'build_and_run_instances', builds=builds, image=image,
                   request_spec=request_spec, admin_password=admin_password,
                   injected_files=injected_files, requested_networks=requested_networks,
                   security_groups=security_groups,
                   block_device_mapping=block_device_mapping)

    def terminate_instance(self, ctxt, instance, host):
        cctxt = self.client.prepare(server=host, version='6.0')
        cctxt.cast(ctxt, 'terminate_instance', instance=instance)

    def external_instance_event(self, ctxt, instances, events, host):
        """False (nothing sent) when the computes may be older than 6.1."""
        if not self.client.can_send_version('6.1'):
            LOG.warning('Not sending events %s to %s: [upgrade_levels] compute = %s is '
                        'older than 6.1', [e['name'] for e in events], host,
                        CONF.upgrade_levels.compute)
            return False
        cctxt = self.client.prepare(server=host, version='6.1')
        cctxt.cast(ctxt, 'external_instance_event', instances=instances, events=events)
        return True

    def get_console_output(self, ctxt, instance, host, tail_length=None):
        cctxt = self.client.prepare(server=host, version='6.0')
        return cctxt.call(ctxt, 'get_console_output', instance=instance,
                          tail_length=tail_length)
