"""What novalite-api uses of the conductor (seed 3.5)."""
from novalite.conductor import rpcapi


class ComputeTaskAPI:
    def __init__(self):
        self.conductor_compute_rpcapi = rpcapi.ComputeTaskAPI()

    def build_instances(self, context, instances, image, filter_properties,
                        admin_password, injected_files, requested_networks,
                        security_groups, block_device_mapping=None, request_spec=None):
        self.conductor_compute_rpcapi.build_instances(
            context, instances=instances, image=image, filter_properties=filter_properties,
            admin_password=admin_password, injected_files=injected_files,
            requested_networks=requested_networks, security_groups=security_groups,
            block_device_mapping=block_device_mapping, request_spec=request_spec)
