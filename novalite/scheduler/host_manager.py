"""Host states for the scheduler, read from the compute_nodes and services rows.

Capacity is consumed in memory as instances of one request are placed, so a
multi-create never over-packs a host.
"""
from novalite.db import hosts as db_hosts


class HostState:
    """What the filters and weighers see of one compute node (slots: 10,000
    of them are made for every request of a large cloud)."""

    __slots__ = ('host', 'nodename', 'compute_node_id', 'service', 'total_usable_vcpus',
                 'total_usable_ram_mb', 'total_usable_disk_gb', 'vcpus_used', 'free_ram_mb',
                 'free_disk_mb', 'num_instances', 'cpu_allocation_ratio',
                 'ram_allocation_ratio', 'disk_allocation_ratio', 'availability_zone',
                 'limits')

    def __init__(self, node, service):
        self._fill(tuple(node[c] for c in db_hosts.NODE_STATE), service)

    @classmethod
    def from_row(cls, row, service):
        """From a ``compute_node_states`` row (the ``NODE_STATE`` columns)."""
        self = cls.__new__(cls)
        self._fill(row, service)
        return self

    def _fill(self, row, service):
        (self.compute_node_id, self.host, self.nodename, self.total_usable_vcpus, ram, disk,
         self.vcpus_used, ram_used, disk_used, self.num_instances, self.cpu_allocation_ratio,
         self.ram_allocation_ratio, self.disk_allocation_ratio) = row
        self.total_usable_ram_mb, self.total_usable_disk_gb = ram, disk
        self.free_ram_mb = ram - ram_used
        self.free_disk_mb = (disk - disk_used) * 1024
        self.service, self.availability_zone, self.limits = service, None, {}

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
        """A HostState per node whose compute service exists; the nodes of
        one service share its dict (ComputeFilter judges it once)."""
        services, nodes = db_hosts.compute_node_states()
        states = []
        new, fill = HostState.__new__, HostState._fill
        for node in nodes:
            svc = services.get(node[1])
            if svc is not None:
                state = new(HostState)
                fill(state, node, svc)
                state.availability_zone = default_az
                states.append(state)
        return states
