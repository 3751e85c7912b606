"""The RPC path's JSON by orjson (novalite/fastjson.py, novalite/rpc_json.py)
gives what the standard json module gave: the signature's canonical bytes
byte for byte, the values of a message as oslo.serialization's jsonutils
writes them, and an envelope a daemon of an earlier release reads alike."""
import datetime
import json
import random
import struct
import uuid

import pytest
from oslo_messaging._drivers import common as rpc_common
from oslo_serialization import jsonutils

from novalite import fastjson
from novalite import rpc  # noqa: F401 - installs rpc_json
from novalite import rpc_json
from novalite.security import signing


def _stdlib_canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()


def _stdlib_wire(value):
    return json.loads(jsonutils.dumps(value))


def _floats(n, seed=13):
    rnd = random.Random(seed)
    out = []
    while len(out) < n:
        if rnd.random() < 0.3:     # any bit pattern: subnormals, huge, tiny
            x = struct.unpack('d', struct.pack('Q', rnd.getrandbits(64)))[0]
        else:
            x = rnd.random() * 10 ** rnd.randint(-30, 30) * rnd.choice((1, -1))
        if x == x and abs(x) != float('inf'):
            out.append(x)
    return out


STRINGS = [''.join(chr(i) for i in range(128)), 'caf\u00e9 \u2603 \U0001f600', 'del\x7f',
           'a uuid 3e-4b2e-5d, [1e-5]', '0.00001', ':1e-5]', 'quote " back \\ slash']


def test_canonical_is_byte_for_byte_the_standard_modules():
    message = {'v': 1, 'sender': ['novalite-compute', 'h1'], 'to': 'conductor',
               'ctxt': {'request_id': 'req-%s' % uuid.uuid4(), 'roles': ['admin'],
                        'is_admin': True, 'user_name': None},
               'args': {'items': [{'instance_uuid': str(uuid.uuid4()), 'n': i,
                                   'ratio': 16.0, 'name': s}
                                  for i, s in enumerate(STRINGS)],
                        'big': 2 ** 70, 'neg': -2 ** 63, 'zero': -0.0},
               'ts': 1764571234.123456, 'nonce': 'abc'}
    assert fastjson.canonical(message) == _stdlib_canonical(message)
    assert signing.canonical is fastjson.canonical
    for text in STRINGS:
        assert fastjson.canonical({'s': text}) == _stdlib_canonical({'s': text}), text
    floats = _floats(20000)
    for i in range(0, len(floats), 7):
        chunk = {'f': floats[i:i + 7], 'x': {'y': floats[i]}}
        assert fastjson.canonical(chunk) == _stdlib_canonical(chunk), chunk


def test_canonical_takes_the_fast_path_for_a_plain_message(monkeypatch):
    calls = []
    monkeypatch.setattr(fastjson, '_canonical_json',
                        lambda obj: calls.append(obj) or _stdlib_canonical(obj))
    plain = {'b': [1, 2.5, None, True], 'a': {'uuid': str(uuid.uuid4()), 't': 1764571234.5}}
    assert fastjson.canonical(plain) == _stdlib_canonical(plain)
    assert calls == []
    assert fastjson.canonical({'s': 'caf\u00e9'}) == _stdlib_canonical({'s': 'caf\u00e9'})
    assert len(calls) == 1


class _Thing:
    def __init__(self):
        self.a, self.b = 1, 'two'


def test_a_message_travels_with_the_values_jsonutils_gives():
    value = {'when': datetime.datetime(2026, 12, 1, 6, 30, 1, 42),
             'day': datetime.date(2026, 12, 1), 'id': uuid.uuid4(),
             'tags': {'b', 'a'}, 'pair': (1, 2), 1: 'int key', 'f': _floats(50),
             'huge': 2 ** 80, 'surrogate': 'x\ud800y', 'text': STRINGS,
             'nested': [{'k': [{'deep': None}]}]}
    wired = rpc._wire(value)
    expected = _stdlib_wire(value)
    expected['tags'] = sorted(expected['tags'])
    wired['tags'] = sorted(wired['tags'])
    assert wired == expected
    assert wired['when'] == '2026-12-01T06:30:01.000042'


def test_the_envelope_reads_both_ways():
    raw = {'method': 'instance_steps', 'args': {'host': 'h1', 'items': [
        {'instance_uuid': str(uuid.uuid4()), 'name': STRINGS[1], 'f': 1e-05}]},
        '_msg_id': uuid.uuid4().hex, 'when': datetime.datetime(2026, 12, 1)}
    assert rpc_common.serialize_msg is rpc_json.serialize_msg
    assert rpc_common.deserialize_msg is rpc_json.deserialize_msg
    ours = rpc_json.serialize_msg(raw)
    theirs = {'oslo.version': '2.0', 'oslo.message': jsonutils.dumps(raw)}
    assert ours['oslo.version'] == '2.0'
    expected = json.loads(theirs['oslo.message'])
    # read by oslo.messaging's own code (an earlier release) and by ours
    assert jsonutils.loads(ours['oslo.message']) == expected
    assert rpc_json.deserialize_msg(theirs) == expected
    assert rpc_json.deserialize_msg(json.loads(json.dumps(ours))) == expected
    # not an envelope: as oslo.messaging returns it, or its error
    assert rpc_json.deserialize_msg({'method': 'x'}) == {'method': 'x'}
    assert rpc_json.deserialize_msg('reply') == 'reply'
    with pytest.raises(rpc_common.UnsupportedRpcEnvelopeVersion):
        rpc_json.deserialize_msg({'oslo.version': '3.0', 'oslo.message': '{}'})
