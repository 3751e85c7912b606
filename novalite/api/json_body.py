"""Reading a JSON request body safely: bounded nesting, valid Unicode.

A body nested thousands deep would exhaust the stack of the JSON decoder or
the schema validator, and a lone UTF-16 surrogate (``"\\ud800"``) decodes to a
string no database can store; both are refused as a 400 before any handler
runs.  The body's size is bounded before this (``[oslo_middleware]
max_request_body_size``).
"""
import json
import re

MAX_DEPTH = 64

_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"')
_SURROGATE = re.compile('[\ud800-\udfff]')


class BadBody(ValueError):
    pass


def _depth(raw):
    depth = deepest = 0
    for byte in _STRINGS.sub(b'""', raw):
        if byte in b'[{':
            depth += 1
            if depth > deepest:
                deepest = depth
        elif byte in b']}':
            depth -= 1
    return deepest


def _check_unicode(value):
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise BadBody('Invalid Unicode in request body: lone surrogate')
        elif isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def loads(raw):
    """The decoded body, or BadBody with the reason."""
    if isinstance(raw, str):
        raw = raw.encode('utf-8', 'surrogatepass')
    if _depth(raw) > MAX_DEPTH:
        raise BadBody('Request body nested deeper than %d levels' % MAX_DEPTH)
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadBody('Malformed request body')
    _check_unicode(value)
    return value
