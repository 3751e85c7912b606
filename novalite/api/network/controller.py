"""One controller for networks, subnets and ports, as Neutron's v2 base
controller: list (filters, fields, sorting, pagination), show, create,
update, delete, with the policy checks around each.  What differs per
resource lives in networks.py, subnets.py and ports.py (``RESOURCE``)."""
import functools
import urllib.parse

from novalite.api.network import attributes
from novalite.api.network import policy
from novalite.network import errors

SKIPS = ('fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse')


def _bad(msg):
    return errors.HTTPBadRequest(msg=msg)


def _kvp_list_to_dict(values):
    out = {}
    for kvp in values:
        if '=' not in kvp:
            raise errors.InvalidInput(error_message="'%s' is not of the form "
                                                    "<key>=[value]" % kvp)
        key, value = kvp.split('=', 1)
        out.setdefault(key, []).append(value)
    return out


def filters_from_query(res, params):
    """{attribute: [values]} from the query string, converted as Neutron
    does; unknown attributes are refused (filter-validation)."""
    filters, invalid = {}, []
    for key, values in params.dict_of_lists().items():
        if key in SKIPS:
            continue
        for value in values:
            if not attributes.storable(value):
                raise _bad("'%s' is not a valid string" % value)
        spec = res.ATTRS.get(key)
        if spec is None or not spec['is_filter']:
            invalid.append(key)
            continue
        if key == 'fixed_ips':
            filters[key] = _kvp_list_to_dict(values)
        elif spec['convert'] is not None:
            filters[key] = [spec['convert'](v) for v in values]
        else:
            filters[key] = values
    if invalid:
        raise _bad('%s is invalid attribute for filtering' % invalid)
    return filters


def _sorts(res, params):
    keys = [k for k in params.getall('sort_key') if k]
    dirs = [d for d in params.getall('sort_dir') if d]
    if len(keys) != len(dirs):
        raise _bad('The number of sort_keys and sort_dirs must be same')
    absent = [k for k in keys if not res.ATTRS.get(k, {}).get('is_sort_key')]
    if absent:
        raise _bad('%s is invalid attribute for sort_keys' % absent)
    bad_dirs = [d for d in dirs if d not in ('asc', 'desc')]
    if bad_dirs:
        raise _bad("%s is invalid value for sort_dirs, valid value is 'asc' and 'desc'"
                   % bad_dirs)
    return list(zip(keys, [d == 'asc' for d in dirs]))


def _sort(items, sorts):
    def cmp(a, b):
        for key, asc in sorts:
            x, y = a.get(key), b.get(key)
            if x is None or y is None:
                ret = (x is not None) - (y is not None)
            else:
                ret = (x > y) - (x < y)
            if ret:
                return ret if asc else -ret
        return 0
    return sorted(items, key=functools.cmp_to_key(cmp)) if sorts else items


def _limit(params):
    raw = params.get('limit', 0)
    try:
        limit = int(raw)
        if limit >= 0:
            return limit
    except ValueError:
        pass
    raise errors.BadRequest(resource='limit',
                            msg="Limit must be an integer 0 or greater and not '%s'" % raw)


def _paginate(req, collection, items, params):
    limit = _limit(params)
    if not limit:
        return items, None
    marker = params.get('marker')
    reverse = params.get('page_reverse', 'False').lower() == 'true'
    ids = [i['id'] for i in items]
    if marker:
        if marker not in ids:
            return [], None
        i = ids.index(marker)
    else:
        i = len(items) if reverse else 0
    page = items[max(i - limit, 0):i] if reverse else items[i + (1 if marker else 0):][:limit]
    links = []

    def link(rel, marker_id, rev):
        query = [(k, v) for k, v in params.items() if k not in ('marker', 'page_reverse')]
        if marker_id:
            query.append(('marker', marker_id))
        if rev:
            query.append(('page_reverse', 'True'))
        return {'rel': rel, 'href': '%s?%s' % (req.path_url, urllib.parse.urlencode(query))}
    if not (len(page) < limit and not reverse):
        links.append(link('next', page[-1]['id'] if page else None, False))
    if not (len(page) < limit and reverse):
        links.append(link('previous', page[0]['id'] if page else None, True))
    return page, links


def _fields(params):
    return [f for f in params.getall('fields') if f]


def _present(ctx, res, items, fields):
    """Strip what policy hides and keep the requested fields."""
    hidden = policy.hidden_attributes(ctx, res.NAME, items[0]) if items else []
    hidden += res.INTERNAL
    out = []
    for item in items:
        shown = {k: v for k, v in item.items() if k not in hidden}
        if fields:
            shown = {k: v for k, v in shown.items() if k in fields}
        out.append(shown)
    return out


def index(res, req):
    ctx = req.environ['novalite.context']
    params = req.GET
    filters = filters_from_query(res, params)
    sorts = _sorts(res, params)
    tagged = filters.pop('tags', None) or filters.pop('tags-any', None)
    for key in ('not-tags', 'not-tags-any'):
        filters.pop(key, None)
    items = [] if tagged else [i for i in res.get_all(ctx, policy.scope(ctx), filters)
                               if policy.check(ctx, 'get_%s' % res.NAME, i)]
    items, links = _paginate(req, res.COLLECTION, _sort(items, sorts), params)
    body = {res.COLLECTION: _present(ctx, res, items, _fields(params))}
    if links:
        body['%s_links' % res.COLLECTION] = links
    return 200, body


def _visible(ctx, res, ident):
    item = res.get(ctx, ident, policy.scope(ctx))
    if not policy.check(ctx, 'get_%s' % res.NAME, item):
        raise errors.HTTPNotFound()
    return item


def show(res, req, ident):
    ctx = req.environ['novalite.context']
    item = _visible(ctx, res, ident)
    return 200, {res.NAME: _present(ctx, res, [item], _fields(req.GET))[0]}


def _can_set_project(ctx):
    return ctx.is_admin or policy.is_service(ctx)


def create(res, req, body):
    ctx = req.environ['novalite.context']
    values, given = attributes.prepare_body(ctx, body, res.NAME, True, _can_set_project(ctx))
    item = res.create(ctx, values, given)
    return 201, {res.NAME: _present(ctx, res, [item], [])[0]}


def update(res, req, body, ident):
    ctx = req.environ['novalite.context']
    values, given = attributes.prepare_body(ctx, body, res.NAME, False, _can_set_project(ctx))
    original = res.get(ctx, ident, policy.scope(ctx))
    policy.enforce_on_existing(ctx, 'update_%s' % res.NAME, res.NAME, original, values, given)
    item = res.update(ctx, original, values, given)
    return 200, {res.NAME: _present(ctx, res, [item], [])[0]}


def delete(res, req, ident):
    ctx = req.environ['novalite.context']
    original = res.get(ctx, ident, policy.scope(ctx))
    policy.enforce_on_existing(ctx, 'delete_%s' % res.NAME, res.NAME, original)
    res.delete(ctx, original)
    return 204, None
