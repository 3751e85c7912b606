"""POST /v3/auth/tokens under noauth2's rules: the password and token
methods, project-, domain- or un-scoped, by name or id.  Whoever asks is
trusted: any password is right, every user and project name exists."""
from novalite.api.identity import errors
from novalite.api.identity import resources
from novalite.api.identity import schemas

METHODS = ('password', 'token')
_SCOPES = 'project, domain, OS-TRUST:trust or unscoped'


def issue(body):
    """(Token, methods, audit ids) for a POST /v3/auth/tokens body."""
    if not isinstance(body, dict) or body.get('auth') is None:
        raise errors.ValidationError.missing('auth', 'request body')
    auth = body['auth']
    schemas.validate_token_issue(auth)
    identity = auth['identity']
    methods = identity['methods']
    if not methods or any(m not in METHODS for m in methods):
        raise errors.Unauthorized('Attempted to authenticate with an unsupported method.',
                                  identity={'methods': list(METHODS)})
    for method in methods:
        if method not in identity:
            raise errors.ValidationError.missing(method, 'identity')
    audit_ids = []
    user_ids = set()
    if 'password' in methods:
        user_ids.add(_password_user(identity['password']))
    if 'token' in methods:
        parent = resources.Token.parse(identity['token']['id'])
        if parent is None:
            raise errors.NotFound.of('token', identity['token']['id'])
        user_ids.add(parent.user_id)
        audit_ids.append(resources.audit_id(parent.id))
    if len(user_ids) != 1:
        raise errors.Unauthorized()       # the methods name different users
    user_id = user_ids.pop()
    token = _scoped(user_id, auth.get('scope'))
    return token, list(methods), [resources.audit_id(token.id)] + audit_ids


def _password_user(password):
    user = password.get('user')
    if user is None:
        raise errors.ValidationError.missing('user', 'password')
    if not isinstance(user.get('password'), str):
        raise errors.Unauthorized()
    if 'id' in user:
        user_id = user['id']
    else:
        if 'domain' not in user:
            raise errors.ValidationError.missing('domain', 'user')
        if not resources.domain_matches(user['domain']):
            raise errors.Unauthorized()
        user_id = user['name']
    if not resources.user_exists(user_id):
        raise errors.Unauthorized()
    return user_id


def _scoped(user_id, scope):
    if scope in ('unscoped', {'unscoped': {}}):
        return resources.Token(user_id)
    if isinstance(scope, str):
        raise errors.ValidationError.missing(_SCOPES, 'scope')
    scope = scope or {}
    given = [k for k in ('project', 'domain', 'OS-TRUST:trust', 'system') if k in scope]
    if len(given) > 1:
        raise errors.ValidationError.missing(_SCOPES, 'scope')
    if not given:
        # Keystone scopes to the user's default project: here, its namesake
        if not resources.valid_name(user_id, resources.MAX_PROJECT_NAME):
            return resources.Token(user_id)
        return resources.Token(user_id, project=resources.project(user_id))
    if given == ['project']:
        return resources.Token(user_id, project=_project(scope['project']))
    if given == ['domain'] and resources.domain_matches(scope['domain']):
        return resources.Token(user_id, domain=resources.DEFAULT_DOMAIN)
    # another domain, a trust, or the system: noauth2 has none of them
    raise errors.Unauthorized()


def _project(ref):
    if 'id' in ref:
        project = resources.project_by_id(ref['id'])
        if project is None:
            raise errors.Unauthorized()
        return project
    if 'domain' not in ref:
        raise errors.ValidationError.missing('domain', 'project')
    name = ref['name']
    if not resources.domain_matches(ref['domain']) or \
            not resources.valid_name(name, resources.MAX_PROJECT_NAME):
        raise errors.Unauthorized()
    return resources.project(name)
