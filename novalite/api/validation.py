"""JSON-schema validation of request bodies, per microversion range.

Error messages follow Nova: ``Invalid input for field/attribute <name>.
Value: <value>. <jsonschema message>``, or the bare jsonschema message when
the error is not at a path.
"""
import base64
import binascii
import functools
import re

import jsonschema
from jsonschema import Draft4Validator, FormatChecker, validators

from novalite import exception

_checker = FormatChecker()


@_checker.checks('uuid')
def _is_uuid(value):
    if not isinstance(value, str):
        return True
    return re.fullmatch(r'[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?'
                        r'[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}', value) is not None


@_checker.checks('base64')
def _is_base64(value):
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


_NUMBER = re.compile(r'-?[0-9]+(\.[0-9]+)?')


def _numeric_string(keyword_check):
    """Nova's integer-or-string parameters (``"ram": "512"``): a string is
    held to the same minimum/maximum as the number it spells, and one that
    spells no number fails, so handlers never convert garbage."""
    def check(validator, bound, instance, schema):
        if isinstance(instance, str):
            if not _NUMBER.fullmatch(instance):
                yield jsonschema.ValidationError('%r is not a number' % instance)
                return
            instance = float(instance) if '.' in instance else int(instance)
        yield from keyword_check(validator, bound, instance, schema)
    return check


# Draft 4 with exclusiveMinimum/Maximum as booleans, as Nova's schemas use them.
_Validator = validators.extend(Draft4Validator, {
    'minimum': _numeric_string(Draft4Validator.VALIDATORS['minimum']),
    'maximum': _numeric_string(Draft4Validator.VALIDATORS['maximum']),
})


def _error_message(error):
    if error.path:
        field = error.path[-1]
        return ('Invalid input for field/attribute %s. Value: %s. %s'
                % (field, error.instance, error.message))
    return error.message


def validate(schema, body):
    validator = _Validator(schema, format_checker=_checker)
    try:
        validator.validate(body)
    except jsonschema.ValidationError as e:
        best = jsonschema.exceptions.best_match([e]) or e
        raise exception.ValidationError(detail=_error_message(best))


def schema(request_body_schema, min_version=None, max_version=None):
    """Register ``request_body_schema`` for the versions in [min, max]; the
    request body is validated with the first schema whose range matches."""
    def decorator(func):
        if hasattr(func, 'body_schemas'):
            func.body_schemas.append((request_body_schema, min_version, max_version))
            return func

        @functools.wraps(func)
        def wrapper(self, req, *args, **kwargs):
            for body_schema, lo, hi in wrapper.body_schemas:
                if req.api_version_request.matches(lo, hi):
                    validate(body_schema, kwargs.get('body'))
                    break
            return func(self, req, *args, **kwargs)
        wrapper.body_schemas = [(request_body_schema, min_version, max_version)]
        return wrapper
    return decorator
