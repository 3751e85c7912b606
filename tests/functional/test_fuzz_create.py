"""Property-based test of POST /servers: whatever the body and version headers,
novalite never answers 5xx and never writes a row when it answers 4xx.

Bodies start from a valid request and then get one to three fields replaced,
added or removed with arbitrary JSON; headers carry arbitrary microversion
strings.  Every example uses a fresh project so quotas never mask a bug.
The examples are derandomized so CI runs the same cases every time; set
NOVALITE_FUZZ_EXAMPLES to explore more locally.
"""
import json
import os
import uuid

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

pytestmark = pytest.mark.xdist_group('fuzz_create')

FIELDS = ['name', 'imageRef', 'flavorRef', 'networks', 'metadata', 'min_count', 'max_count',
          'availability_zone', 'user_data', 'key_name', 'adminPass', 'accessIPv4',
          'description', 'tags', 'hostname', 'personality', 'block_device_mapping_v2',
          'OS-DCF:diskConfig', 'security_groups', 'config_drive', 'return_reservation_id',
          'host', 'hypervisor_hostname', 'trusted_image_certificates', 'unknown_field']

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) |
    st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=300),
    lambda inner: st.lists(inner, max_size=4) |
    st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=8)

versions = st.sampled_from(['2.1', '2.19', '2.37', '2.47', '2.57', '2.74', '2.90', '2.96',
                            '2.100', 'latest', '2.101', '3.0', '2.0', '2', 'x.y', '2.01', ''])


@st.composite
def edits(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from(FIELDS))
        if draw(st.integers(0, 4)) == 0:
            out.append((field, None, True))          # remove it
        else:
            out.append((field, draw(json_values), False))
    return out


def _writes(cloud):
    return cloud.query('SELECT (SELECT count(*) FROM instances), '
                       '(SELECT count(*) FROM instance_metadata)')[0]


MAX_EXAMPLES = int(os.environ.get('NOVALITE_FUZZ_EXAMPLES', '120'))


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(edits=edits(), version=versions, wrap=st.sampled_from(['server', 'server', 'srv', None]))
def test_post_servers_never_5xx_and_4xx_writes_nothing(module_cloud, edits, version, wrap):
    cloud = module_cloud
    server = {'name': 'fuzz', 'imageRef': cloud.image_id, 'flavorRef': '1', 'networks': 'none'}
    for field, value, remove in edits:
        if remove:
            server.pop(field, None)
        else:
            server[field] = value
    body = server if wrap is None else {wrap: server}
    project = uuid.uuid4().hex
    before = _writes(cloud)
    r = cloud.request('POST', '/v2.1/servers', body, token='fuzzer:%s' % project,
                      headers={'OpenStack-API-Version': 'compute %s' % version})
    event('HTTP %d' % r.status)
    assert r.status < 500, (r.status, r.raw, json.dumps(body)[:500], version)
    if r.status >= 400:
        assert r.json and len(r.json) == 1, r.raw      # Nova's fault envelope
        fault = next(iter(r.json.values()))
        assert fault['code'] == r.status and fault['message'], r.raw
        assert _writes(cloud) == before, (r.status, r.raw, json.dumps(body)[:500])
        assert not cloud.query('SELECT count(*) FROM instances WHERE project_id = :p',
                               p=project)[0][0]


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode),
       ctype=st.sampled_from(['application/json', 'text/plain', '', 'application/xml']))
def test_post_servers_garbage_bytes(module_cloud, raw, ctype):
    cloud = module_cloud
    before = _writes(cloud)
    r = cloud.request('POST', '/v2.1/servers', raw=raw, headers={'Content-Type': ctype})
    assert r.status < 500, (r.status, r.raw, raw)
    if r.status >= 400:
        assert _writes(cloud) == before


# -- depth, size, types, Unicode (issue 10) -----------------------------------
def _nested(depth, leaf, kind):
    raw = leaf
    for _ in range(depth):
        raw = ('[%s]' % raw) if kind == 'list' else ('{"k": %s}' % raw)
    return raw


hostile_values = st.one_of(
    st.builds(_nested, st.integers(1, 20000), st.sampled_from(['1', '"x"', 'null']),
              st.sampled_from(['list', 'dict'])),
    st.sampled_from(['"\\ud800"', '"a\\udfffb"', '"\\ud83d"', '""', '"0"', '"-1"',
                     '"1e3"', '"  "', '2147483648', '-1', '1.5', '"%s"' % ('9' * 40)]),
    st.integers(1, 200000).map(lambda n: '"%s"' % ('x' * n)))


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(field=st.sampled_from(FIELDS), value=hostile_values,
       legacy=st.booleans())
def test_post_servers_depth_size_types_unicode(module_cloud, field, value, legacy):
    """Deep nesting → 400, oversize → 413, strings for numbers and lone
    surrogates → 400: never a 5xx, never a write."""
    cloud = module_cloud
    server = {'name': 'fuzz', 'imageRef': cloud.image_id, 'flavorRef': '1',
              'networks': 'none'}
    raw = json.dumps({'server': server})[:-2] + ', "%s": %s}}' % (field, value)
    if field in server:
        raw = raw.replace('"%s": ' % field, '"_%s": ' % field, 1)
    project = uuid.uuid4().hex
    before = _writes(cloud)
    path = '/v2/%s/servers' % project if legacy else '/v2.1/servers'
    r = cloud.request('POST', path, raw=raw.encode(), token='fuzzer:%s' % project)
    event('HTTP %d' % r.status)
    assert r.status < 500, (r.status, r.raw[:300], raw[:200])
    if len(raw) > 114688:
        assert r.status == 413, (r.status, len(raw))
    if r.status >= 400:
        assert _writes(cloud) == before
