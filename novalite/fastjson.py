"""JSON for the hot paths, by orjson (a C library, several times faster than
the standard json module), each with the standard module as the fallback
for what orjson refuses: integers beyond 64 bits, strings holding lone
surrogates, NaN and Infinity on input.

- ``dumps``/``loads``: response bodies and the JSON columns read back from
  the database (~15x faster to encode a server list, ~3x to decode a
  column).  The output is the same JSON document (compact separators,
  UTF-8 rather than \\u escapes).  Request bodies are not parsed here:
  novalite/api/json_body.py owns that hostile input.
- ``dumps_primitive``: what oslo.serialization's ``jsonutils.dumps`` makes
  of a value (datetimes, sets and objects through its ``to_primitive``), as
  the same JSON values: RPC messages (novalite/rpc.py, novalite/rpc_json.py).
- ``canonical``: the bytes a message's signature covers
  (novalite/security/signing.py), byte for byte what the standard module
  gives with sorted keys, compact separators and ASCII escapes, so that a
  signer and a verifier of an earlier release agree.  (Not for NaN and
  Infinity, which orjson writes as null: no novalite sender puts them in a
  message, whose values all pass through ``dumps_primitive``.)
"""
import json
import re

import orjson
from oslo_serialization import jsonutils

_DUMP_OPTIONS = orjson.OPT_NON_STR_KEYS
_PRIMITIVE_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
# orjson and the standard module write the same bytes for the same value
# (sorted keys, compact) except: non-ASCII characters and DEL (raw against
# \u escapes), and floats below 1e-4 (orjson 0.00005 and 5e-5, Python
# 5e-05).  Output showing any of these is made again by the standard module
# (a string that merely looks like such a number costs that, nothing else).
_NOT_SAME_NUMBER = re.compile(rb'[:,\[]-?(?:0\.0000|[0-9]+(?:\.[0-9]+)?e-[0-9][,\]}])')


def dumps(obj):
    """``obj`` as JSON bytes."""
    try:
        return orjson.dumps(obj, option=_DUMP_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(obj).encode()


def loads(text):
    """The value of JSON ``text`` (str or bytes)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def dumps_primitive(obj):
    """``obj`` as JSON bytes, each value as ``jsonutils.dumps`` writes it
    (its ``to_primitive`` for what JSON has no type for; datetimes in its
    format); NaN and Infinity as null."""
    try:
        return orjson.dumps(obj, default=jsonutils.to_primitive, option=_PRIMITIVE_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        return jsonutils.dumps(obj).encode()


def _canonical_json(obj):
    return json.dumps(obj, sort_keys=True, separators=(',', ':'), ensure_ascii=True).encode()


def canonical(obj):
    """The canonical JSON bytes of ``obj`` (str keys, JSON values): sorted
    keys, compact separators, ASCII with \\u escapes, Python's float
    format."""
    try:
        out = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return _canonical_json(obj)
    if (not out.isascii() or b'\x7f' in out or
            ((b'e-' in out or b'0.0000' in out) and _NOT_SAME_NUMBER.search(out))):
        return _canonical_json(obj)
    return out
