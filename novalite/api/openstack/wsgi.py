"""Controller plumbing: requests with a version and a context, the
``response`` and ``expected_errors`` decorators, and the dispatcher that turns
a handler's return value or exception into an HTTP response.
"""
import functools

import webob
import webob.exc

from novalite.api import json_body

from novalite.api.openstack import api_version
from novalite.api.openstack import faults
from novalite import exception
from novalite import fastjson


TOO_LARGE = 'Request is too large.'


class Request(webob.Request):
    """A request that knows its microversion and caller."""
    api_version_request = api_version.MIN_VERSION
    is_legacy_v2 = False

    @property
    def context(self):
        return self.environ['novalite.context']

    _at_least = (None, None)

    def is_at_least(self, version):
        """Whether the request's microversion is ``version`` or later; the
        answers are remembered for the request (a list asks them per server)."""
        ver, known = self._at_least
        if ver is not self.api_version_request:
            ver, known = self._at_least = (self.api_version_request, {})
        try:
            return known[version]
        except KeyError:
            answer = known[version] = ver >= version
            return answer


def response(code):
    """The success status of a handler (Nova's ``@wsgi.response``)."""
    def decorator(func):
        func.wsgi_code = code
        return func
    return decorator


def expected_errors(codes):
    """Errors a handler may answer with; anything else becomes Nova's 500.

    Domain exceptions are mapped through the one table in faults.py.
    """
    codes = (codes,) if isinstance(codes, int) else tuple(codes)

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            try:
                return func(*args, **kwargs)
            except faults.Fault as f:
                if f.code in codes or f.code in (400, 403):
                    raise
                raise faults.unexpected(f)
            except exception.NovaliteException as e:
                code = faults.code_for(e)
                if code in codes or isinstance(e, (exception.ValidationError,
                                                   exception.Forbidden)):
                    raise faults.Fault(code, e.format_message())
                raise faults.unexpected(e)
            except Exception as e:  # noqa: BLE001 - Nova's 500 for the unexpected
                raise faults.unexpected(e)
        wrapper.wsgi_code = getattr(func, 'wsgi_code', 200)
        return wrapper
    return decorator


def json_response(body, status=200, headers=None):
    resp = webob.Response(status=status, content_type='application/json', charset='UTF-8')
    if body is not None:
        resp.body = fastjson.dumps(body)
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def parse_body(req):
    """The JSON body of a POST/PUT, or a 400/415 fault."""
    if not req.body:
        return None
    ctype = (req.content_type or 'application/json').lower()
    if ctype not in ('application/json', 'application/octet-stream', 'text/plain', ''):
        if not ctype.endswith('+json'):
            raise faults.Fault(415, 'Unsupported Content-Type')
    try:
        return json_body.loads(req.body)
    except json_body.BadBody as e:
        raise faults.Fault(400, str(e))
    except webob.exc.HTTPRequestEntityTooLarge:
        raise faults.Fault(413, TOO_LARGE)


class ResponseObject:
    """A handler's answer when it needs headers besides the body."""

    def __init__(self, body, code=None, headers=None):
        self.body, self.code, self.headers = body, code, headers or {}


def invoke(handler, req, kwargs):
    """Run a handler and build its HTTP response."""
    code = getattr(handler, 'wsgi_code', 200)
    try:
        if req.method in ('POST', 'PUT'):
            kwargs['body'] = parse_body(req)
        result = handler(req, **kwargs)
    except faults.Fault as f:      # handlers raise domain errors as Faults (expected_errors)
        return faults.fault_response(f.code, f.message, f.headers)
    if isinstance(result, webob.Response):
        return result
    if isinstance(result, ResponseObject):
        body = result.body
        return json_response(body, result.code or code, result.headers) \
            if body is not None else webob.Response(status=result.code or code,
                                                    headers=result.headers)
    if result is None:
        resp = webob.Response(status=code)
        resp.content_type = None
        return resp
    return json_response(result, code)
