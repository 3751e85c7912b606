"""Version documents: ``/``, ``/v2.1/``, ``/v2/`` (not microversioned)."""
from novalite.api.openstack import api_version
from novalite.api.openstack import common

VERSIONS = {
    'v2.0': {'id': 'v2.0', 'status': 'DEPRECATED', 'version': '', 'min_version': '',
             'updated': '2025-07-04T12:00:00Z', 'path': 'v2'},
    'v2.1': {'id': 'v2.1', 'status': 'CURRENT', 'version': str(api_version.MAX_VERSION),
             'min_version': str(api_version.MIN_VERSION),
             'updated': '2013-07-23T11:33:21Z', 'path': 'v2.1'},
}


def _entry(req, key):
    v = dict(VERSIONS[key])
    path = v.pop('path')
    v['links'] = [{'rel': 'self', 'href': '%s/%s/' % (common.url_prefix(req), path)}]
    return v


def index(req):
    return {'versions': [_entry(req, 'v2.0'), _entry(req, 'v2.1')]}


def multiple_choices(req):
    choices = []
    for key in ('v2.0', 'v2.1'):
        v = _entry(req, key)
        v['links'][0]['href'] = v['links'][0]['href'].rstrip('/') + req.path_info
        v['media-types'] = [{'base': 'application/json',
                             'type': 'application/vnd.openstack.compute+json;version=2'}]
        choices.append(v)
    return {'choices': choices}


def show(req, key):
    v = _entry(req, key)
    v['links'].append({'rel': 'describedby', 'type': 'text/html',
                       'href': 'http://docs.openstack.org/'})
    v['media-types'] = [{'base': 'application/json',
                         'type': 'application/vnd.openstack.compute+json;version=%s'
                                 % ('2' if key == 'v2.0' else '2.1')}]
    return {'version': v}
