"""The body of POST /v3/auth/tokens, checked as Keystone checks it."""
import jsonschema

from novalite.api.identity import errors

_REF = {'type': 'object', 'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'}}}

TOKEN_ISSUE = {
    'type': 'object',
    'properties': {
        'identity': {
            'type': 'object',
            'properties': {
                'methods': {'type': 'array', 'items': {'type': 'string'}},
                'password': {
                    'type': 'object',
                    'properties': {'user': {
                        'type': 'object',
                        'properties': {'id': {'type': 'string'}, 'name': {'type': 'string'},
                                       'password': {'type': 'string'}, 'domain': _REF}}}},
                'token': {'type': 'object', 'properties': {'id': {'type': 'string'}},
                          'required': ['id']},
            },
            'required': ['methods'],
        },
        # "unscoped" (or the old {"unscoped": {}}) asks for an unscoped token
        'scope': {
            'type': ['object', 'string'],
            'properties': {
                'project': {'type': 'object',
                            'properties': {'id': {'type': 'string'},
                                           'name': {'type': 'string'}, 'domain': _REF}},
                'domain': _REF,
                'OS-TRUST:trust': {'type': 'object', 'properties': {'id': {'type': 'string'}}},
                'system': {'type': 'object', 'properties': {'all': {'type': 'boolean'}}},
            },
        },
    },
    'required': ['identity'],
}

_VALIDATOR = jsonschema.Draft4Validator(TOKEN_ISSUE)


def _id_or_name(ref, field):
    if ref is not None and 'id' not in ref and 'name' not in ref:
        raise errors.ValidationError('Invalid input for field %s: id or name must be present.'
                                     % field)


def validate_token_issue(auth):
    """Raise errors.ValidationError with Keystone's message for a bad
    ``auth`` object."""
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(auth))
    if error is not None:
        if error.path:
            raise errors.ValidationError("Invalid input for field '%s': %s" % (
                '/'.join(str(p) for p in error.path), error.message))
        raise errors.ValidationError(error.message)
    user = auth['identity'].get('password', {}).get('user')
    _id_or_name(user, 'identity/password/user')
    _id_or_name((user or {}).get('domain'), 'identity/password/user/domain')
    scope = auth.get('scope')
    if isinstance(scope, dict):
        project = scope.get('project')
        _id_or_name(project, 'scope/project')
        _id_or_name((project or {}).get('domain'), 'scope/project/domain')
        _id_or_name(scope.get('domain'), 'scope/domain')
