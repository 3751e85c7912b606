"""Shared API helpers: Nova's status mapping, links, pagination."""
from novalite.compute import task_states, vm_states

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
    """Scheme://host[:port] plus any script name novalite-api is mounted at."""
    return req.host_url + req.script_name


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
    from urllib.parse import urlencode
    return [{'rel': 'next', 'href': '%s%s/%s?%s' % (versioned_base(req), project_part(req),
                                                   collection, urlencode(params))}]
