"""Host states for the scheduler, read from the compute_nodes and services rows.

Capacity is consumed in memory as instances of one request are placed, so a
multi-create never over-packs a host.
"""
from novalite.db import hosts as db_hosts


class HostState:
    """What the filters and weighers see of one compute node."""

    def __init__(self, node, service):
        self.host = node['host']
        self.nodename = node['hypervisor_hostname']
        self.compute_node_id = node['id']
        self.service = service
        self.total_usable_vcpus = node['vcpus']
        self.total_usable_ram_mb = node['memory_mb']
        self.total_usable_disk_gb = node['local_gb']
        self.vcpus_used = node['vcpus_used']
        self.free_ram_mb = node['memory_mb'] - node['memory_mb_used']
        self.free_disk_mb = (node['local_gb'] - node['local_gb_used']) * 1024
        self.num_instances = node['running_vms']
        self.cpu_allocation_ratio = node['cpu_allocation_ratio']
        self.ram_allocation_ratio = node['ram_allocation_ratio']
        self.disk_allocation_ratio = node['disk_allocation_ratio']
        self.availability_zone = None
        self.limits = {}

    def consume_from_request(self, spec):
        self.vcpus_used += spec.vcpus
        self.free_ram_mb -= spec.memory_mb
        self.free_disk_mb -= spec.disk_gb * 1024
        self.num_instances += 1

    def __repr__(self):
        return '(%s, %s) ram: %sMB disk: %sMB vcpus used: %s' % (
            self.host, self.nodename, self.free_ram_mb, self.free_disk_mb, self.vcpus_used)


class HostManager:
    def get_all_host_states(self, default_az):
        states = []
        for node, svc in db_hosts.compute_nodes_get_with_services():
            if svc is None:
                continue
            state = HostState(node, svc)
            state.availability_zone = default_az
            states.append(state)
        return states
