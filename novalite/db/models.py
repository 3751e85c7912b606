"""SQLAlchemy models: Nova's table and column names where Nova has them."""
import datetime

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Float, ForeignKey,
                        Index, Integer, String, Text, UniqueConstraint)
from sqlalchemy.orm import declarative_base

BASE = declarative_base()


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class TimestampMixin:
    created_at = Column(DateTime, default=_now, nullable=False)
    updated_at = Column(DateTime, onupdate=_now)


class SoftDeleteMixin:
    """``deleted`` is 0 for live rows and the row id once deleted (Nova's rule),
    so unique constraints can include it."""
    deleted_at = Column(DateTime)
    deleted = Column(Integer, default=0, nullable=False)


class Instance(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instances'
    __table_args__ = (
        Index('instances_project_id_deleted_idx', 'project_id', 'deleted'),
        Index('instances_host_deleted_idx', 'host', 'deleted'),
        Index('instances_reservation_id_idx', 'reservation_id'),
        Index('instances_vm_state_idx', 'vm_state', 'deleted'),
        Index('instances_compute_id_idx', 'compute_id'),
    )
    id = Column(Integer, primary_key=True, autoincrement=True)
    uuid = Column(String(36), nullable=False, unique=True)
    project_id = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    display_name = Column(String(255))
    display_description = Column(String(255))
    hostname = Column(String(255))
    vm_state = Column(String(255))
    task_state = Column(String(255))
    power_state = Column(Integer, default=0)
    host = Column(String(255))
    node = Column(String(255))
    compute_id = Column(Integer)
    launched_on = Column(String(255))
    availability_zone = Column(String(255))
    instance_type_id = Column(Integer)
    flavor = Column(Text)
    memory_mb = Column(Integer, nullable=False)
    vcpus = Column(Integer, nullable=False)
    root_gb = Column(Integer, nullable=False)
    ephemeral_gb = Column(Integer, nullable=False)
    swap = Column(Integer, nullable=False, default=0)
    image_ref = Column(String(255))
    kernel_id = Column(String(255))
    ramdisk_id = Column(String(255))
    key_name = Column(String(255))
    key_data = Column(Text)
    user_data = Column(Text)
    reservation_id = Column(String(255))
    launch_index = Column(Integer)
    config_drive = Column(String(255))
    auto_disk_config = Column(Boolean, default=False)
    access_ip_v4 = Column(String(39))
    access_ip_v6 = Column(String(39))
    progress = Column(Integer)
    network_info = Column(Text)
    security_groups = Column(Text)
    system_metadata = Column(Text)
    locked = Column(Boolean, default=False)
    locked_by = Column(String(255))
    launched_at = Column(DateTime)
    terminated_at = Column(DateTime)


class InstanceMetadata(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instance_metadata'
    __table_args__ = (Index('instance_metadata_instance_uuid_idx', 'instance_uuid'),)
    id = Column(Integer, primary_key=True)
    key = Column(String(255))
    value = Column(String(255))
    instance_uuid = Column(String(36), ForeignKey('instances.uuid'), nullable=False)


class InstanceFault(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instance_faults'
    __table_args__ = (Index('instance_faults_instance_uuid_idx', 'instance_uuid'),)
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), ForeignKey('instances.uuid'), nullable=False)
    code = Column(Integer, nullable=False)
    message = Column(String(255))
    details = Column(Text)
    host = Column(String(255))


class InstanceAction(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instance_actions'
    __table_args__ = (Index('instance_actions_uuid_req_idx', 'instance_uuid', 'request_id'),)
    id = Column(Integer, primary_key=True)
    action = Column(String(255))
    instance_uuid = Column(String(36), ForeignKey('instances.uuid'), nullable=False)
    request_id = Column(String(255))
    user_id = Column(String(255))
    project_id = Column(String(255))
    start_time = Column(DateTime, default=_now)
    finish_time = Column(DateTime)
    message = Column(String(255))


class InstanceActionEvent(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'instance_actions_events'
    __table_args__ = (Index('instance_actions_events_action_id_idx', 'action_id'),)
    id = Column(Integer, primary_key=True)
    event = Column(String(255))
    action_id = Column(Integer, ForeignKey('instance_actions.id'), nullable=False)
    start_time = Column(DateTime, default=_now)
    finish_time = Column(DateTime)
    result = Column(String(255))
    traceback = Column(Text)
    host = Column(String(255))
    details = Column(Text)


class Flavor(BASE, TimestampMixin):
    __tablename__ = 'flavors'
    __table_args__ = (UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
                      UniqueConstraint('name', name='uniq_flavors0name'))
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    memory_mb = Column(Integer, nullable=False)
    vcpus = Column(Integer, nullable=False)
    root_gb = Column(Integer, nullable=False, default=0)
    ephemeral_gb = Column(Integer, nullable=False, default=0)
    swap = Column(Integer, nullable=False, default=0)
    flavorid = Column(String(255), nullable=False)
    rxtx_factor = Column(Float, default=1.0)
    vcpu_weight = Column(Integer)
    disabled = Column(Boolean, default=False)
    is_public = Column(Boolean, default=True)
    description = Column(Text)


class FlavorExtraSpec(BASE, TimestampMixin):
    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (UniqueConstraint('flavor_id', 'key', name='uniq_flavor_extra_specs0flavor_id0key'),)
    id = Column(Integer, primary_key=True)
    key = Column(String(255), nullable=False)
    value = Column(String(255))
    flavor_id = Column(Integer, ForeignKey('flavors.id'), nullable=False)


class FlavorProject(BASE, TimestampMixin):
    __tablename__ = 'flavor_projects'
    __table_args__ = (UniqueConstraint('flavor_id', 'project_id', name='uniq_flavor_projects0flavor_id0project_id'),)
    id = Column(Integer, primary_key=True)
    flavor_id = Column(Integer, ForeignKey('flavors.id'), nullable=False)
    project_id = Column(String(255), nullable=False)


class Image(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'images'
    id = Column(String(36), primary_key=True)
    name = Column(String(255))
    status = Column(String(30), nullable=False)
    disk_format = Column(String(20))
    container_format = Column(String(20))
    size = Column(BigInteger)
    checksum = Column(String(32))
    os_hash_algo = Column(String(64))
    os_hash_value = Column(String(128))
    min_disk = Column(Integer, nullable=False, default=0)
    min_ram = Column(Integer, nullable=False, default=0)
    visibility = Column(String(20), nullable=False, default='public')
    protected = Column(Boolean, nullable=False, default=False)
    owner = Column(String(255))


class ImageProperty(BASE, TimestampMixin):
    __tablename__ = 'image_properties'
    __table_args__ = (UniqueConstraint('image_id', 'name', name='uniq_image_properties0image_id0name'),)
    id = Column(Integer, primary_key=True)
    image_id = Column(String(36), ForeignKey('images.id'), nullable=False)
    name = Column(String(255), nullable=False)
    value = Column(Text)


class KeyPair(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'key_pairs'
    __table_args__ = (UniqueConstraint('user_id', 'name', 'deleted', name='uniq_key_pairs0user_id0name0deleted'),)
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=False)
    fingerprint = Column(String(255))
    public_key = Column(Text)
    type = Column(String(10), nullable=False, default='ssh')


class Service(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'services'
    __table_args__ = (UniqueConstraint('host', 'binary', 'deleted', name='uniq_services0host0binary0deleted'),)
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36))
    host = Column(String(255), nullable=False)
    binary = Column(String(255), nullable=False)
    topic = Column(String(255))
    report_count = Column(Integer, nullable=False, default=0)
    disabled = Column(Boolean, default=False)
    disabled_reason = Column(String(255))
    last_seen_up = Column(DateTime)
    forced_down = Column(Boolean, default=False)
    version = Column(Integer, default=0)


class ComputeNode(BASE, TimestampMixin, SoftDeleteMixin):
    __tablename__ = 'compute_nodes'
    __table_args__ = (UniqueConstraint('host', 'hypervisor_hostname', 'deleted',
                                       name='uniq_compute_nodes0host0hypervisor_hostname0deleted'),)
    id = Column(Integer, primary_key=True)
    uuid = Column(String(36), nullable=False)
    service_id = Column(Integer)
    host = Column(String(255), nullable=False)
    hypervisor_hostname = Column(String(255), nullable=False)
    vcpus = Column(Integer, nullable=False)
    memory_mb = Column(Integer, nullable=False)
    local_gb = Column(Integer, nullable=False)
    vcpus_used = Column(Integer, nullable=False, default=0)
    memory_mb_used = Column(Integer, nullable=False, default=0)
    local_gb_used = Column(Integer, nullable=False, default=0)
    free_ram_mb = Column(Integer)
    free_disk_gb = Column(Integer)
    current_workload = Column(Integer, default=0)
    running_vms = Column(Integer, nullable=False, default=0)
    disk_available_least = Column(Integer)
    hypervisor_type = Column(String(255))
    hypervisor_version = Column(Integer)
    cpu_info = Column(Text)
    supported_instances = Column(Text)
    host_ip = Column(String(39))
    stats = Column(Text, default='{}')
    cpu_allocation_ratio = Column(Float, nullable=False)
    ram_allocation_ratio = Column(Float, nullable=False)
    disk_allocation_ratio = Column(Float, nullable=False)
    mapped = Column(Integer, default=0)


class Quota(BASE, TimestampMixin):
    __tablename__ = 'quotas'
    __table_args__ = (UniqueConstraint('project_id', 'resource', name='uniq_quotas0project_id0resource'),)
    id = Column(Integer, primary_key=True)
    project_id = Column(String(255), nullable=False)
    resource = Column(String(255), nullable=False)
    hard_limit = Column(Integer)


class QuotaLock(BASE):
    """One row per quota owner ('project:<id>' or 'user:<id>'): the row a
    quota-checked write locks first, so checks of one owner run one at a time
    (novalite/quota.py explains why)."""
    __tablename__ = 'quota_locks'
    owner = Column(String(255), primary_key=True)
    generation = Column(Integer, nullable=False, default=0)


# -- the embedded network service (Neutron's tables, trimmed) -------------------------
class NeutronMixin:
    """Neutron's standard attributes, kept on each row."""
    description = Column(String(255), nullable=False, default='')
    revision_number = Column(BigInteger, nullable=False, default=1)
    created_at = Column(DateTime, default=_now, nullable=False)
    updated_at = Column(DateTime, default=_now, onupdate=_now)


class Network(BASE, NeutronMixin):
    """One L2 network.  Provider attributes sit on the row (Neutron keeps them
    in networksegments); one flat network per physical network."""
    __tablename__ = 'networks'
    __table_args__ = (
        UniqueConstraint('physical_network', name='uniq_networks0physical_network'),
        Index('networks_project_id_idx', 'project_id'))
    id = Column(String(36), primary_key=True)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    status = Column(String(16), nullable=False, default='ACTIVE')
    admin_state_up = Column(Boolean, nullable=False, default=True)
    shared = Column(Boolean, nullable=False, default=False)
    mtu = Column(Integer, nullable=False, default=1500)
    network_type = Column(String(32), nullable=False, default='local')
    physical_network = Column(String(64))
    segmentation_id = Column(Integer)
    port_security_enabled = Column(Boolean, nullable=False, default=True)


class Subnet(BASE, NeutronMixin):
    __tablename__ = 'subnets'
    __table_args__ = (Index('subnets_network_id_idx', 'network_id'),)
    id = Column(String(36), primary_key=True)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    network_id = Column(String(36), ForeignKey('networks.id'), nullable=False)
    ip_version = Column(Integer, nullable=False)
    cidr = Column(String(64), nullable=False)
    gateway_ip = Column(String(64))
    enable_dhcp = Column(Boolean, nullable=False, default=True)
    ipv6_ra_mode = Column(String(16))
    ipv6_address_mode = Column(String(16))


class IPAllocationPool(BASE):
    __tablename__ = 'ipallocationpools'
    id = Column(String(36), primary_key=True)
    subnet_id = Column(String(36), ForeignKey('subnets.id', ondelete='CASCADE'),
                       nullable=False, index=True)
    first_ip = Column(String(64), nullable=False)
    last_ip = Column(String(64), nullable=False)


class DNSNameServer(BASE):
    __tablename__ = 'dnsnameservers'
    __table_args__ = (Index('dnsnameservers_subnet_id_idx', 'subnet_id'),)
    address = Column(String(128), primary_key=True)
    subnet_id = Column(String(36), ForeignKey('subnets.id', ondelete='CASCADE'),
                       primary_key=True)
    order = Column(Integer, nullable=False, default=0)


class SubnetRoute(BASE):
    __tablename__ = 'subnetroutes'
    __table_args__ = (Index('subnetroutes_subnet_id_idx', 'subnet_id'),)
    destination = Column(String(64), primary_key=True)
    nexthop = Column(String(64), primary_key=True)
    subnet_id = Column(String(36), ForeignKey('subnets.id', ondelete='CASCADE'),
                       primary_key=True)


class Port(BASE, NeutronMixin):
    """A port; its binding (Neutron's ml2_port_bindings) sits on the row.
    A MAC is unique on its network by constraint."""
    __tablename__ = 'ports'
    __table_args__ = (
        UniqueConstraint('network_id', 'mac_address', name='uniq_ports0network_id0mac_address'),
        Index('ports_network_id_device_owner_idx', 'network_id', 'device_owner'),
        Index('ports_device_id_idx', 'device_id'),
        Index('ports_project_id_idx', 'project_id'))
    id = Column(String(36), primary_key=True)
    project_id = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False, default='')
    network_id = Column(String(36), ForeignKey('networks.id'), nullable=False)
    mac_address = Column(String(32), nullable=False)
    admin_state_up = Column(Boolean, nullable=False, default=True)
    status = Column(String(16), nullable=False, default='DOWN')
    device_id = Column(String(255), nullable=False, default='')
    device_owner = Column(String(255), nullable=False, default='')
    port_security_enabled = Column(Boolean, nullable=False, default=True)
    binding_host_id = Column(String(255), nullable=False, default='')
    binding_vif_type = Column(String(64), nullable=False, default='unbound')
    binding_vif_details = Column(Text)
    binding_vnic_type = Column(String(64), nullable=False, default='normal')
    binding_profile = Column(Text)


class IPAllocation(BASE):
    """A fixed IP of a port.  An address is unique on its network by
    constraint: concurrent allocations insert and the loser retries."""
    __tablename__ = 'ipallocations'
    __table_args__ = (
        UniqueConstraint('network_id', 'ip_address', name='uniq_ipallocations0network_id0ip_address'),
        Index('ipallocations_port_id_idx', 'port_id'),
        Index('ipallocations_subnet_id_idx', 'subnet_id'))
    ip_address = Column(String(64), primary_key=True)
    subnet_id = Column(String(36), ForeignKey('subnets.id'), primary_key=True)
    network_id = Column(String(36), ForeignKey('networks.id'), nullable=False)
    port_id = Column(String(36), ForeignKey('ports.id', ondelete='CASCADE'), nullable=False)


class ServiceKey(BASE, TimestampMixin):
    """The public half of a service's signing key (``novalite-manage service
    enrol``); the private half never leaves the service's host."""
    __tablename__ = 'service_keys'
    __table_args__ = (UniqueConstraint('binary', 'host', name='uniq_service_keys0binary0host'),)
    id = Column(Integer, primary_key=True)
    binary = Column(String(255), nullable=False)
    host = Column(String(255), nullable=False)
    public_key = Column(String(64), nullable=False)


class BuildRequest(BASE, TimestampMixin):
    """What was asked for one instance's build, written with the instance
    (Nova's ``build_requests``).  It outlives lost messages: any conductor
    drives a build again from it (novalite/conductor/redrive.py).  ``attempt``
    counts the drives, so a stale drive can tell it lost; ``spec`` is the
    JSON of the build_instances arguments and, once cast to a host, the
    selection and its alternates."""
    __tablename__ = 'build_requests'
    __table_args__ = (UniqueConstraint('instance_uuid',
                                       name='uniq_build_requests0instance_uuid'),)
    id = Column(Integer, primary_key=True)
    instance_uuid = Column(String(36), nullable=False)
    project_id = Column(String(255), nullable=False)
    attempt = Column(Integer, nullable=False, default=0)
    spec = Column(Text, nullable=False)
