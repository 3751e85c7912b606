"""Quotas: Nova's per-project limits with counted usage, and the checks of
the create path (instances/cores/ram, metadata items, key pairs).

Limits are ``[quota]`` defaults overridden per project in the ``quotas``
table (Nova's DbQuotaDriver).  Usage is never tracked, it is counted from the
rows themselves (Nova's count-based quotas since Pike), so it cannot drift.

Concurrency.  Counting and then writing is a race: two requests that each
see 4 of 5 instances would both create their fifth.  Nova closes it after
the fact: with ``[quota] recheck_quota`` the conductor counts again once the
instances exist and deletes them when the project went over, so under a burst
both racers may fail (fewer than the limit succeed) and over-quota instances
exist for a moment.  novalite closes it before the fact instead: the count
and the insert run in ONE transaction that starts by locking the owner's row
in ``quota_locks`` (an UPDATE, the first statement; see
``novalite/db/quotas.py``).  Requests of one project queue on that row for
the few milliseconds of the transaction, requests of other projects do not
wait at all, and exactly as many instances as the limit allows are created.
The same statement locks on PostgreSQL, MariaDB (InnoDB row lock) and SQLite
(the database write lock), with no dialect-specific SQL, and holds across
any number of API processes since the lock lives in the database.
"""
from oslo_config import cfg

from novalite.db import keypairs as db_keypairs
from novalite.db import quotas as db_quotas
from novalite import exception

CONF = cfg.CONF

# resource -> its [quota] option (Nova's names; one differs).
RESOURCES = {
    'instances': 'instances', 'cores': 'cores', 'ram': 'ram',
    'metadata_items': 'metadata_items', 'injected_files': 'injected_files',
    'injected_file_content_bytes': 'injected_file_content_bytes',
    'injected_file_path_bytes': 'injected_file_path_length',
    'key_pairs': 'key_pairs', 'server_groups': 'server_groups',
    'server_group_members': 'server_group_members',
}
# Network quotas of nova-network: reported as unlimited before 2.36, never kept.
NETWORK_RESOURCES = ('floating_ips', 'fixed_ips', 'security_groups',
                     'security_group_rules')
INJECTED_FILE_RESOURCES = ('injected_files', 'injected_file_content_bytes',
                           'injected_file_path_bytes')


def get_defaults():
    return {res: getattr(CONF.quota, opt) for res, opt in RESOURCES.items()}


def get_project_quotas(project_id):
    limits = get_defaults()
    limits.update({r: v for r, v in db_quotas.quota_get_project(project_id).items()
                   if r in RESOURCES})
    return limits


def get_project_usages(project_id):
    """{resource: in_use}: instances, cores and ram are counted; key pairs are
    a per-user resource and server groups do not exist here, so 0."""
    usage = dict.fromkeys(RESOURCES, 0)
    usage.update(db_quotas.project_usage(project_id))
    return usage


def update_project_quotas(project_id, values, force=False):
    """Set limits; unless ``force``, none may go below what is in use."""
    usage = get_project_usages(project_id) if not force else {}
    for resource, limit in values.items():
        if not force and limit != -1 and limit < usage.get(resource, 0):
            raise exception.InvalidQuotaValue(reason=(
                'Quota limit %(limit)s for %(resource)s must be greater than or equal '
                'to already used and reserved %(minimum)s.'
                % {'limit': limit, 'resource': resource, 'minimum': usage[resource]}))
    db_quotas.quota_set_project(project_id, values)


def destroy_project_quotas(project_id):
    db_quotas.quota_destroy_all_by_project(project_id)


# -- create-path checks ---------------------------------------------------------
def check_metadata_items(limits, metadata):
    """``limits`` are the project's (get_project_quotas)."""
    allowed = limits['metadata_items']
    if 0 <= allowed < len(metadata or {}):
        raise exception.MetadataLimitExceeded(allowed=allowed)


def instances_allowed(limits, usage, flavor, min_count, max_count):
    """How many of [min_count, max_count] instances fit (Nova's
    check_num_instances_quota): as many as fit when at least min_count do,
    else TooManyInstances naming every resource the request goes over."""
    per = {'instances': 1, 'cores': flavor['vcpus'], 'ram': flavor['memory_mb']}
    fits = max_count
    for res, each in per.items():
        if limits[res] >= 0 and each:
            fits = min(fits, (limits[res] - usage[res]) // each)
    if fits >= min_count:
        return fits
    overs = sorted(r for r in per
                   if limits[r] >= 0 and usage[r] + per[r] * max_count > limits[r])
    requested = {'instances': (str(min_count) if min_count == max_count
                               else '%s-%s' % (min_count, max_count)),
                 'cores': max_count * per['cores'], 'ram': max_count * per['ram']}
    raise exception.TooManyInstances(
        overs=', '.join(overs), req=', '.join(str(requested[r]) for r in overs),
        used=', '.join(str(usage[r]) for r in overs),
        allowed=', '.join(str(limits[r]) for r in overs))


def create_instances(context, limits, flavor, min_count, max_count, build_rows):
    """Create as many instances as the project's quota ``limits`` allow (at
    least min_count, at most max_count), checked and inserted atomically.
    ``build_rows(count)`` returns the value dicts to insert; the rows for
    max_count are made before the project's lock is taken (again under it
    only when fewer fit).  A project unlimited in instances, cores and ram
    takes no lock and counts nothing."""
    if all(limits[res] < 0 for res in ('instances', 'cores', 'ram')):
        # nothing to count against: no lock, no count (requests of one
        # project no longer queue on its lock row)
        return db_quotas.instance_create_unlimited(context, build_rows(max_count))
    rows = build_rows(max_count)        # made before the lock is taken

    def decide(usage):
        return instances_allowed(limits, usage, flavor, min_count, max_count)

    def rows_for(count):
        return rows if count == len(rows) else build_rows(count)
    return db_quotas.instance_create_within_quota(context, decide, rows_for)


def create_key_pair(context, values):
    """Insert a key pair unless the user already has key_pairs of them."""
    limit = get_project_quotas(context.project_id)['key_pairs']

    def check(count):
        if 0 <= limit < count + 1:
            raise exception.KeypairLimitExceeded()
    return db_keypairs.key_pair_create(values, check)
