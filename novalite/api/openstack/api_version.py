"""The one table of microversions: each row is a version and what it changed.

A schema or view asks ``req.is_at_least('2.47')``; nothing else in the code
base knows the list.  The maximum is the last row.
"""
import functools
import re

from novalite import exception

VERSIONS = [
    ('2.1', 'Initial version: the v2.1 API, equivalent to legacy v2 with strict input validation.'),
    ('2.2', 'os-keypairs: keypair type (ssh/x509); create answers 201, delete 204.'),
    ('2.3', 'Servers: extended server attributes (reservation_id, launch_index, kernel_id, ramdisk_id, hostname, root_device_name, user_data) for admins.'),
    ('2.4', 'os-fixed-ips: reserved field.'),
    ('2.5', 'Servers list: ip6 filter for non-admins.'),
    ('2.6', 'Remote consoles consolidated.'),
    ('2.7', 'Flavor access: 409 when adding a tenant to a public flavor.'),
    ('2.8', 'Remote consoles: mks protocol.'),
    ('2.9', 'Servers: locked attribute.'),
    ('2.10', "os-keypairs: admins query, create and delete other users' keypairs (user_id)."),
    ('2.11', 'os-services: forced_down.'),
    ('2.12', 'os-virtual-interfaces: net_id.'),
    ('2.13', 'os-server-groups: project_id and user_id.'),
    ('2.14', 'Evacuate: onSharedStorage removed.'),
    ('2.15', 'Server groups: soft-affinity policies.'),
    ('2.16', 'Servers: host_status.'),
    ('2.17', 'Servers: trigger_crash_dump action.'),
    ('2.18', 'project_id optional in URLs.'),
    ('2.19', 'Servers: description on create, update, show.'),
    ('2.20', 'Volume attach/detach for shelved servers.'),
    ('2.21', 'os-instance-actions: deleted servers readable.'),
    ('2.22', 'Force live-migration completion.'),
    ('2.23', 'Server migrations index/show.'),
    ('2.24', 'Abort live migration.'),
    ('2.25', 'Live migration: block_migration auto.'),
    ('2.26', 'Servers: tags.'),
    ('2.27', 'OpenStack-API-Version header.'),
    ('2.28', 'os-hypervisors: cpu_info as an object.'),
    ('2.29', 'Evacuate: force flag.'),
    ('2.30', 'Live migration: force flag.'),
    ('2.31', 'Console auth tokens for all console types.'),
    ('2.32', 'Servers create: device tags on networks and block_device_mapping_v2.'),
    ('2.33', 'os-hypervisors: pagination.'),
    ('2.34', 'Live migration: asynchronous pre-checks.'),
    ('2.35', 'os-keypairs: pagination (limit, marker).'),
    ('2.36', 'Proxy APIs deprecated; network quotas gone from limits and quota sets.'),
    ('2.37', 'Servers create: networks required, "auto" or "none" allowed; network uuid must be a UUID.'),
    ('2.38', 'Servers list: 400 for an invalid status filter.'),
    ('2.39', 'Image-metadata proxy deprecated; maxImageMeta gone from limits.'),
    ('2.40', 'os-simple-tenant-usage: pagination.'),
    ('2.41', 'Aggregates: uuid.'),
    ('2.42', 'Servers create: device tags restored.'),
    ('2.43', 'os-hosts deprecated.'),
    ('2.44', 'Fixed/floating IP actions and os-virtual-interfaces deprecated.'),
    ('2.45', 'createImage/createBackup return image_id in the body.'),
    ('2.46', 'X-OpenStack-Request-ID echoed.'),
    ('2.47', 'Servers: flavor embedded as a dict.'),
    ('2.48', 'Standardized diagnostics.'),
    ('2.49', 'Tagged interface and volume attach.'),
    ('2.50', 'os-quota-class-sets: server_groups keys; network quotas gone.'),
    ('2.51', 'Instance action events visible to non-admins (no traceback); volume-extended event.'),
    ('2.52', 'Servers create: tags.'),
    ('2.53', 'os-services and os-hypervisors: uuid ids.'),
    ('2.54', 'Rebuild: key_name.'),
    ('2.55', 'Flavors: description.'),
    ('2.56', 'Cold migrate: target host.'),
    ('2.57', 'Servers create: personality removed; personality quotas gone.'),
    ('2.58', 'os-instance-actions: pagination and changes-since.'),
    ('2.59', 'os-migrations: pagination, changes-since, uuid.'),
    ('2.60', 'Multiattach volumes.'),
    ('2.61', 'Flavors: extra_specs in the representation.'),
    ('2.62', 'os-instance-actions events: host and hostId.'),
    ('2.63', 'Servers create: trusted_image_certificates.'),
    ('2.64', 'Server groups: policy and rules.'),
    ('2.65', 'Abort queued/preparing live migrations.'),
    ('2.66', 'changes-before filter.'),
    ('2.67', 'Servers create: block_device_mapping_v2 volume_type.'),
    ('2.68', 'Forced live migration and evacuate removed.'),
    ('2.69', 'Minimal constructs when a cell is down.'),
    ('2.70', 'Device tags in volume attachments and interfaces.'),
    ('2.71', 'Servers: server_groups.'),
    ('2.72', 'Neutron ports with resource requests on create.'),
    ('2.73', 'Servers: locked_reason; locked filter.'),
    ('2.74', 'Servers create: host and hypervisor_hostname (admin).'),
    ('2.75', 'API cleanup: 400 for unknown query parameters; consistent server representation; flavor swap 0.'),
    ('2.76', 'power-update external event.'),
    ('2.77', 'Unshelve: availability_zone.'),
    ('2.78', 'Server topology.'),
    ('2.79', 'Volume attachments: delete_on_termination.'),
    ('2.80', 'os-migrations: user_id and project_id.'),
    ('2.81', 'Aggregate image cache pre-caching.'),
    ('2.82', 'accelerator-request-bound external event.'),
    ('2.83', 'Servers list: more filters for non-admins.'),
    ('2.84', 'Instance action events: details.'),
    ('2.85', 'Volume attachment update: delete_on_termination.'),
    ('2.86', 'Flavor extra spec validation.'),
    ('2.87', 'Rescue of volume-backed servers.'),
    ('2.88', 'os-hypervisors: resource fields and statistics removed.'),
    ('2.89', 'Volume attachments: attachment_id and bdm_uuid.'),
    ('2.90', 'Servers: hostname on create, update and rebuild.'),
    ('2.91', 'Unshelve to a host.'),
    ('2.92', 'os-keypairs: import only (no generation); wider name pattern.'),
    ('2.93', 'Rebuild of volume-backed servers.'),
    ('2.94', 'Servers: hostname may be an FQDN.'),
    ('2.95', 'Evacuate to STOPPED.'),
    ('2.96', 'Servers: pinned_availability_zone.'),
    ('2.97', 'Server shares.'),
    ('2.98', 'Servers: image properties in the embedded image.'),
    ('2.99', 'spice-direct consoles.'),
    ('2.100', 'Servers: scheduler_hints in the representation.'),
]

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class APIVersionRequest:
    """A parsed ``X.Y`` version; compares with tuples or other versions."""

    def __init__(self, version_string=None, major=None, minor=None):
        if version_string is not None:
            match = _VERSION_RE.match(version_string)
            if not match:
                raise exception.InvalidAPIVersionString(version=version_string)
            major, minor = int(match.group(1)), int(match.group(2))
        self.ver = (major, minor)

    def __str__(self):
        return '%d.%d' % self.ver

    def _key(self, other):
        if isinstance(other, str):
            return _parsed(other)
        return other.ver if isinstance(other, APIVersionRequest) else tuple(other)

    def __eq__(self, other):
        return self.ver == self._key(other)

    def __lt__(self, other):
        return self.ver < self._key(other)

    def __le__(self, other):
        return self.ver <= self._key(other)

    def __gt__(self, other):
        return self.ver > self._key(other)

    def __ge__(self, other):
        return self.ver >= self._key(other)

    def __hash__(self):
        return hash(self.ver)

    def matches(self, min_version=None, max_version=None):
        return ((min_version is None or self >= min_version) and
                (max_version is None or self <= max_version))


@functools.lru_cache(maxsize=256)
def _parsed(version_string):
    """(major, minor) of a version the code compares with ('2.47'): parsed
    once, not at every comparison of every server of a list."""
    return APIVersionRequest(version_string).ver


MIN_VERSION = APIVersionRequest(VERSIONS[0][0])
MAX_VERSION = APIVersionRequest(VERSIONS[-1][0])
LEGACY_VERSION = APIVersionRequest('2.0')

HEADER_NEW = 'OpenStack-API-Version'
HEADER_LEGACY = 'X-OpenStack-Nova-API-Version'


def from_headers(headers):
    """The requested version: ``OpenStack-API-Version: compute X.Y`` wins over
    the legacy header; absent means the minimum, ``latest`` the maximum."""
    value = None
    new = headers.get(HEADER_NEW)
    if new:
        for item in new.split(','):
            parts = item.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == 'compute':
                value = parts[1].strip()
    if value is None:
        value = headers.get(HEADER_LEGACY)
    if not value:
        return MIN_VERSION
    if value.strip().lower() == 'latest':
        return MAX_VERSION
    version = APIVersionRequest(value.strip())
    if not version.matches(MIN_VERSION, MAX_VERSION):
        raise exception.InvalidGlobalAPIVersion(req_ver=str(version), min_ver=str(MIN_VERSION),
                                                max_ver=str(MAX_VERSION))
    return version
