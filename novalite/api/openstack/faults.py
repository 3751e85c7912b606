"""The one table mapping domain errors to HTTP faults, and Nova's fault body.

``{"<faultName>": {"code": <int>, "message": "<text>"}}``.
"""
import json
import logging

import sqlalchemy.exc as sa_exc
import webob

from novalite import exception as exc

LOG = logging.getLogger(__name__)

FAULT_NAMES = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden',
               404: 'itemNotFound', 405: 'badMethod', 409: 'conflictingRequest',
               413: 'overLimit', 415: 'badMediaType', 429: 'overLimit',
               501: 'notImplemented', 503: 'serviceUnavailable'}

# Most specific classes first: the first isinstance match wins.
EXCEPTION_CODES = [
    (exc.MarkerNotFound, 400),
    (exc.InstanceNotFound, 404),
    (exc.FlavorNotFound, 404),
    (exc.ImageNotFound, 404),
    (exc.KeypairNotFound, 404),
    (exc.NotFound, 404),
    (exc.VersionNotFoundForAPIMethod, 404),
    (exc.InvalidGlobalAPIVersion, 406),
    (exc.PortInUse, 409),
    (exc.NetworkAmbiguous, 409),
    (exc.Invalid, 400),
    (exc.NotAuthenticated, 401),
    (exc.Forbidden, 403),
    (exc.InstanceInvalidState, 409),
    (exc.UnexpectedTaskStateError, 409),
    (exc.FlavorExists, 409),
    (exc.FlavorIdExists, 409),
    (exc.FlavorAccessExists, 409),
    (exc.FlavorAccessOfPublicFlavor, 409),
    (exc.KeyPairExists, 409),
    (exc.ImageConflict, 409),
    (exc.ConsoleNotAvailable, 409),
    (exc.ServiceUnavailable, 503),
    # The database is away (restart, failover, network): nothing was written
    # (every write is one transaction), and the client may retry.
    (sa_exc.OperationalError, 503),
    (sa_exc.InterfaceError, 503),
    (sa_exc.DisconnectionError, 503),
    (sa_exc.TimeoutError, 503),
]

# Seconds a client is told to wait (Retry-After) when the database is away.
RETRY_AFTER = 5


def code_for(error):
    """The HTTP code of a domain error, or None when the table has none."""
    for cls, code in EXCEPTION_CODES:
        if isinstance(error, cls):
            return code
    return None


class Fault(Exception):
    """An HTTP error with Nova's body, raised or returned by handlers."""

    def __init__(self, code, message, headers=None):
        super().__init__(message)
        self.code, self.message, self.headers = code, message, headers or {}


def fault_response(code, message, headers=None):
    name = FAULT_NAMES.get(code, 'computeFault')
    body = {name: {'code': code, 'message': message}}
    resp = webob.Response(status=code, content_type='application/json', charset='UTF-8')
    resp.body = json.dumps(body).encode()
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def error_response(error):
    """Nova's fault body for a domain error, by the table (a 500 for the
    unmapped ones)."""
    code = code_for(error)
    if code is None or not isinstance(error, exc.NovaliteException):
        f = unexpected(error)
        return fault_response(f.code, f.message, f.headers)
    return fault_response(code, error.format_message())


def unexpected(error):
    """Nova's 500 for an unexpected error; a 503 with Retry-After for an
    infrastructure error the table lists (the database is away)."""
    if code_for(error) == 503 and not isinstance(error, exc.NovaliteException):
        LOG.warning('Database unavailable: %s', str(error).splitlines()[0][:200])
        return Fault(503, 'The database is unavailable. Retry the request later.',
                     headers={'Retry-After': str(RETRY_AFTER)})
    LOG.exception('Unexpected API Error')
    return Fault(500, 'Unexpected API Error. Please report this at '
                      'http://bugs.launchpad.net/nova/ and attach the Nova API log if '
                      'possible.\n%s' % type(error))
