"""RequestSpec and Selection: what the conductor asks the scheduler, and the answer."""
from novalite.objects import base


class RequestSpec(base.NovaliteObject):
    """What to place: flavor sizes, image, AZ, hints, how many, retry state.

    ``force_hosts``/``force_nodes``: an admin's ``az:host[:node]`` (filters
    skipped); ``requested_destination``: ``{'host', 'node'}`` of a 2.74 create
    (filters still run).
    """
    fields = ('instance_uuid', 'project_id', 'user_id', 'flavor', 'image',
              'availability_zone', 'num_instances', 'scheduler_hints',
              'force_hosts', 'force_nodes', 'requested_destination', 'retry',
              'ignore_hosts')

    @property
    def memory_mb(self):
        return self.flavor['memory_mb']

    @property
    def vcpus(self):
        return self.flavor['vcpus']

    @property
    def disk_gb(self):
        f = self.flavor
        return f['root_gb'] + f['ephemeral_gb'] + (f['swap'] + 1023) // 1024


class Selection(base.NovaliteObject):
    """One destination: the chosen host or an alternate for rescheduling."""
    fields = ('service_host', 'nodename', 'compute_node_id', 'limits')
