"""Shared API helpers: Nova's status mapping, links, pagination, query
parameters and time formats."""
import datetime
from urllib.parse import urlencode

from oslo_config import cfg

from novalite.api.openstack import faults
from novalite.compute import task_states, vm_states

CONF = cfg.CONF
# Nova's serialisation of datetimes in os-services, os-availability-zone,
# os-instance-actions and os-keypairs (oslo's strtime).
ISO_MICRO = '%Y-%m-%dT%H:%M:%S.%f'

_STATE_MAP = {
    vm_states.ACTIVE: {'default': 'ACTIVE'},
    vm_states.BUILDING: {'default': 'BUILD'},
    vm_states.STOPPED: {'default': 'SHUTOFF'},
    vm_states.ERROR: {'default': 'ERROR'},
    vm_states.DELETED: {'default': 'DELETED'},
    vm_states.SOFT_DELETED: {'default': 'SOFT_DELETED'},
    vm_states.PAUSED: {'default': 'PAUSED'},
    vm_states.SUSPENDED: {'default': 'SUSPENDED'},
}

# status name -> vm_states it stands for (list filter ?status=)
STATUS_TO_VM_STATES = {}
for _vm, _m in _STATE_MAP.items():
    STATUS_TO_VM_STATES.setdefault(_m['default'], []).append(_vm)


def status_from_state(vm_state, task_state=None):
    task_map = _STATE_MAP.get(vm_state, {'default': 'UNKNOWN'})
    if task_state == task_states.DELETING and vm_state == vm_states.DELETED:
        return 'DELETED'
    return task_map.get(task_state, task_map['default'])


def url_prefix(req):
    """Scheme://host[:port] plus any script name novalite-api is mounted at
    (the host part worked out once per request: a list's every server links
    to itself, its image and its flavor)."""
    host_url = req.environ.get('novalite.host_url')
    if host_url is None:
        host_url = req.environ['novalite.host_url'] = req.host_url
    return host_url + req.script_name


def versioned_base(req):
    return '%s/%s' % (url_prefix(req), 'v2' if req.is_legacy_v2 else 'v2.1')


def project_part(req):
    pid = req.environ.get('novalite.url_project_id')
    return '/%s' % pid if pid else ''


def links(req, collection, ident):
    return [
        {'rel': 'self', 'href': '%s%s/%s/%s' % (versioned_base(req), project_part(req),
                                                collection, ident)},
        {'rel': 'bookmark', 'href': '%s%s/%s/%s' % (url_prefix(req), project_part(req),
                                                    collection, ident)},
    ]


def bookmark(req, collection, ident):
    return [{'rel': 'bookmark', 'href': '%s%s/%s/%s' % (url_prefix(req), project_part(req),
                                                        collection, ident)}]


def collection_links(req, collection, items, limit, id_key='id'):
    """A ``next`` link when the page is full."""
    if not limit or len(items) < limit:
        return []
    params = dict(req.GET)
    params['limit'] = str(limit)
    params['marker'] = items[-1][id_key]
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (versioned_base(req), project_part(req),
                                                   collection, urlencode(params))}]


def add_collection_links(result, links_key, req, collection, items, limit, id_key='id'):
    """Put the ``next`` link of :func:`collection_links` under ``links_key``
    of ``result`` when there is one; returns ``result``."""
    links = collection_links(req, collection, items, limit, id_key)
    if links:
        result[links_key] = links
    return result


def parse_limit(value):
    """?limit=, capped at [api] max_limit (the cap when absent)."""
    max_limit = CONF.api.max_limit
    if value is None:
        return max_limit
    try:
        limit = int(value)
    except ValueError:
        raise faults.Fault(400, 'limit param must be an integer')
    if limit < 0:
        raise faults.Fault(400, 'limit param must be positive')
    return min(limit, max_limit)


def parse_time(value, param='changes-since'):
    """An ISO 8601 query value as a naive UTC datetime, or a 400."""
    try:
        dt = datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
    except ValueError:
        raise faults.Fault(400, 'Invalid %s value' % param)
    if dt.tzinfo is not None:
        dt = dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return dt


def reject_unknown_params(req, allowed):
    """A 400 worded as jsonschema's additionalProperties error when the query
    has a parameter not in ``allowed`` (Nova's strict query schemas)."""
    extra = sorted(set(req.GET) - set(allowed))
    if extra:
        raise faults.Fault(400, 'Additional properties are not allowed (%s %s unexpected)'
                           % (', '.join(map(repr, extra)),
                              'was' if len(extra) == 1 else 'were'))


def isotime(dt):
    return dt.strftime(ISO_MICRO) if dt is not None else None
