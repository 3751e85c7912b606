"""The filters of GET /servers[/detail] (Nova's server search options), as one
table: for each query parameter, the version from which a non-admin may use it
(None: admins only; other parameters of a non-admin are dropped, as Nova
does), the version from which it applies at all, and what it puts in the
filters of ``instance_get_all_by_filters``.  ``all_tenants`` and the project
are the policy's business (``project_filter``)."""
import re2

from novalite.api.openstack import common
from novalite.api.openstack import faults
from novalite import policy


def _true(value):
    return str(value).lower() in ('1', 'true', 't', 'yes', 'y', 'on')


def _last_segment(value):
    """An id from an id or a link (``.../flavors/1`` is ``1``)."""
    return value.rstrip('/').rsplit('/', 1)[-1]


def _csv(value):
    return value.split(',')


def _set(key, convert=str):
    def apply(filters, value, req):
        filters[key] = convert(value)
    return apply


def user_regex(pattern):
    """A list filter's regex from the query string, in RE2 (linear time in
    the text, whatever the pattern): no catastrophic backtracking."""
    opts = re2.Options()
    opts.max_mem = 8 << 20
    opts.log_errors = False
    return re2.compile(pattern, options=opts)


def _regex(key, what):
    def apply(filters, value, req):
        try:
            filters[key] = user_regex(value)
        except re2.error:
            raise faults.Fault(400, 'Invalid %s filter' % what)
    return apply


def _status(filters, value, req):
    """``status`` may be given more than once, as in Nova: a server in any of
    them matches; unknown ones are ignored while one is known."""
    states = [vm for status in value for vm in
              common.STATUS_TO_VM_STATES.get(status.upper(), ())]
    if not states:
        if req.is_at_least('2.38'):
            raise faults.Fault(400, 'Invalid status value')
        states = []             # below 2.38 an unknown status matches nothing
    filters['vm_state'] = states


def _changes(key):
    def apply(filters, value, req):
        filters[key] = common.parse_time(value, key.replace('_', '-'))
        filters['include_deleted'] = True
    return apply


def _deleted(filters, value, req):
    if _true(value):
        filters.update(include_deleted=True, only_deleted=True)


# (parameter, non-admins from, applies from, apply).  Aliases come before the
# name that wins when both are given (``name`` over ``display_name``).
SEARCH_OPTIONS = (
    ('reservation_id', '2.1', '2.1', _set('reservation_id')),
    ('display_name', None, '2.1', _regex('name_regex', 'name')),
    ('name', '2.1', '2.1', _regex('name_regex', 'name')),
    ('image_ref', None, '2.1', _set('image_ref', _last_segment)),
    ('image', '2.1', '2.1', _set('image_ref', _last_segment)),
    ('flavor', '2.1', '2.1', _set('flavorid', _last_segment)),
    ('status', '2.1', '2.1', _status),
    ('ip', '2.1', '2.1', _regex('ip_regex', 'ip')),
    ('ip6', '2.5', '2.1', _regex('ip6_regex', 'ip6')),
    ('changes-since', '2.1', '2.1', _changes('changes_since')),
    ('changes-before', '2.66', '2.66', _changes('changes_before')),
    ('tags', '2.26', '2.26', _set('tags', _csv)),
    ('tags-any', '2.26', '2.26', _set('tags_any', _csv)),
    ('not-tags', '2.26', '2.26', _set('not_tags', _csv)),
    ('not-tags-any', '2.26', '2.26', _set('not_tags_any', _csv)),
    ('locked', '2.73', '2.73', _set('locked', _true)),
    ('deleted', None, '2.1', _deleted),
    ('host', None, '2.1', _set('host')),
    ('node', None, '2.1', _set('node')),
    ('hostname', None, '2.1', _set('hostname')),
    ('key_name', None, '2.1', _set('key_name')),
    ('uuid', None, '2.1', _set('uuid')),
    ('user_id', None, '2.1', _set('user_id')),
)
# ``locked=`` (empty) is a value; for the others an empty value is no filter
_EMPTY_IS_A_VALUE = ('locked',)
# parameters whose every value counts (the others: the last one given)
MULTI_VALUED = ('status',)


def is_all_tenants(value):
    """Nova's is_all_tenants: present and empty means yes; otherwise a strict boolean."""
    if value == '':
        return True
    lowered = str(value).strip().lower()
    if lowered in ('1', 't', 'true', 'on', 'y', 'yes'):
        return True
    if lowered in ('0', 'f', 'false', 'off', 'n', 'no'):
        return False
    raise faults.Fault(400, "Invalid value '%s' for all_tenants" % value)


def project_filter(req, params):
    """{'project_id': ...}: the caller's project, or with ``all_tenants`` (by
    policy) every project or the one named by project_id/tenant_id."""
    ctx = req.context
    if 'all_tenants' not in params or not is_all_tenants(params['all_tenants']):
        return {'project_id': ctx.project_id}
    policy.authorize(ctx, 'os_compute_api:servers:%s:get_all_tenants'
                     % ('detail' if req.path.endswith('/detail') else 'index'))
    project = (params.get('project_id') or params.get('tenant_id')) if ctx.is_admin else None
    return {'project_id': project} if project else {}


def search_filters(req, params):
    """The filters of a list request; ``params`` is {parameter: last value},
    or all its non-empty values for MULTI_VALUED parameters."""
    admin = req.context.is_admin
    filters = project_filter(req, params)
    for name, users_from, applies_from, apply in SEARCH_OPTIONS:
        value = params.get(name)
        if value is None or (value == '' and name not in _EMPTY_IS_A_VALUE):
            continue
        if not req.is_at_least(applies_from):
            continue
        if not admin and (users_from is None or not req.is_at_least(users_from)):
            continue
        apply(filters, value, req)
    if (filters.get('changes_since') and filters.get('changes_before') and
            filters['changes_since'] > filters['changes_before']):
        raise faults.Fault(400, 'The value of changes-since must be less than or '
                                'equal to changes-before.')
    return filters
