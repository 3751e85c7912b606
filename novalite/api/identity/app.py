"""The /identity WSGI application: Keystone v3's version documents, tokens
and the reads clients make after they log in.  Every error is Keystone's
envelope; nothing here writes anything."""
import json
import logging
import re

import webob
import webob.dec

from novalite.api.identity import catalog as catalog_mod
from novalite.api.identity import errors
from novalite.api.identity import resources
from novalite.api.identity import tokens
from novalite.api.identity import views

LOG = logging.getLogger(__name__)
MOUNT = '/identity'


class Call:
    """One request: where the API answers, who is calling, the catalog."""

    def __init__(self, req, services):
        self.req = req
        own_root = req.host_url + req.script_name[:-len(MOUNT)]
        self.public_v3 = catalog_mod.roots(own_root)['public'] + MOUNT + '/v3'
        self.own_root = own_root
        self.services = services

    def catalog(self):
        return catalog_mod.build(self.services, self.own_root)

    def self_url(self):
        qs = self.req.query_string
        return self.public_v3 + self.req.path_info[len('/v3'):] + ('?' + qs if qs else '')

    def caller(self):
        tok = resources.Token.parse(self.req.headers.get('X-Auth-Token'))
        if tok is None:
            raise errors.Unauthorized()
        return tok

    def admin_or(self, allowed, action):
        tok = self.caller()
        if not (resources.is_admin(tok.user_id) or allowed(tok)):
            raise errors.Forbidden.action(action)
        return tok


def _json(body, status=200, headers=None):
    resp = webob.Response(status=status, content_type='application/json', charset='UTF-8')
    resp.text = json.dumps(body)
    resp.headers.update(headers or {})
    return resp


# -- handlers ------------------------------------------------------------------------
def get_versions(call):
    v3 = call.public_v3
    return _json(views.versions(v3), 300, {'Location': v3 + '/'})


def get_version(call):
    return _json({'version': views.version(call.public_v3)})


def issue_token(call):
    try:
        body = json.loads(call.req.body) if call.req.body else None
    except (ValueError, RecursionError):
        raise errors.ValidationError.missing('valid JSON', 'request body')
    tok, methods, audit_ids = tokens.issue(body)
    catalog = None if 'nocatalog' in call.req.GET else call.catalog()
    return _json(views.token(tok, methods, catalog, audit_ids), 201,
                 {'X-Subject-Token': tok.id})


def validate_token(call):
    call.caller()
    subject = call.req.headers.get('X-Subject-Token')
    if not subject:
        raise errors.NotFound('No token in the request')
    tok = resources.Token.parse(subject)
    if tok is None:
        raise errors.NotFound.of('token', subject)
    catalog = None if 'nocatalog' in call.req.GET else call.catalog()
    return _json(views.token(tok, ['password'], catalog, [resources.audit_id(tok.id)]),
                 headers={'X-Subject-Token': tok.id})


def auth_catalog(call):
    if not call.caller().project:
        raise errors.Forbidden('A project-scoped token is required to produce a '
                               'service catalog.')
    return _json({'catalog': call.catalog(), 'links': {'self': call.self_url()}})


def _own_projects(tok):
    """The projects a user "has a role on": its namesake and the token's."""
    projects = []
    if resources.valid_name(tok.user_id, resources.MAX_PROJECT_NAME):
        projects.append(resources.project(tok.user_id))
    if tok.project and resources.project_name(tok.project['id']) is not None \
            and tok.project not in projects:
        projects.append(tok.project)
    return projects


def _project_refs(call, projects):
    return [views.project_ref(p, call.public_v3) for p in projects]


def auth_projects(call):
    refs = _project_refs(call, _own_projects(call.caller()))
    return _json(views.collection('projects', refs, call.self_url()))


def auth_domains(call):
    call.caller()
    return _json(views.collection('domains', [], call.self_url()))


def auth_system(call):
    call.caller()
    return _json({'system': [], 'links': {'self': call.self_url()}})


def list_users(call):
    call.admin_or(lambda tok: False, 'identity:list_users')
    name = call.req.GET.get('name')
    users = [name] if name is not None and resources.user_exists(name) else []
    refs = [views.user_ref(resources.user(u), call.public_v3) for u in users]
    return _json(views.collection('users', refs, call.self_url()))


def _user(user_id):
    if not resources.user_exists(user_id):
        raise errors.NotFound.of('user', user_id)
    return resources.user(user_id)


def get_user(call, user_id):
    call.admin_or(lambda tok: tok.user_id == user_id, 'identity:get_user')
    return _json({'user': views.user_ref(_user(user_id), call.public_v3)})


def user_projects(call, user_id):
    tok = call.admin_or(lambda tok: tok.user_id == user_id, 'identity:list_user_projects')
    _user(user_id)
    projects = _own_projects(resources.Token(user_id, project=tok.project
                                             if tok.user_id == user_id else None))
    return _json(views.collection('projects', _project_refs(call, projects),
                                  call.self_url()))


def list_projects(call):
    tok = call.admin_or(lambda tok: False, 'identity:list_projects')
    params = call.req.GET
    if params.get('domain_id', 'default') != 'default':
        projects = []
    elif 'name' in params:
        name = params['name']
        projects = ([resources.project(name)]
                    if resources.valid_name(name, resources.MAX_PROJECT_NAME) else [])
    else:
        projects = _own_projects(tok)
    return _json(views.collection('projects', _project_refs(call, projects),
                                  call.self_url()))


def get_project(call, project_id):
    call.admin_or(lambda tok: tok.project is not None and tok.project['id'] == project_id,
                  'identity:get_project')
    project = resources.project_by_id(project_id)
    if project is None:
        raise errors.NotFound.of('project', project_id)
    return _json({'project': views.project_ref(project, call.public_v3)})


def list_domains(call):
    call.caller()
    name = call.req.GET.get('name')
    refs = [] if name not in (None, resources.DEFAULT_DOMAIN['name']) \
        else [views.domain_ref(call.public_v3)]
    return _json(views.collection('domains', refs, call.self_url()))


def get_domain(call, domain_id):
    call.caller()
    if domain_id != resources.DEFAULT_DOMAIN['id']:
        raise errors.NotFound.of('domain', domain_id)
    return _json({'domain': views.domain_ref(call.public_v3)})


def list_roles(call):
    call.caller()
    name = call.req.GET.get('name')
    roles = [resources.role(n) for n in sorted(resources.ADMIN_ROLES)
             if name is None or n == name]
    return _json(views.collection('roles', [views.role_ref(r, call.public_v3) for r in roles],
                                  call.self_url()))


def list_role_assignments(call):
    """Role assignments of one user (``user.id``), on its projects or the
    one named by ``scope.project.id``."""
    params = call.req.GET
    user_id = params.get('user.id')
    tok = call.admin_or(lambda tok: user_id == tok.user_id, 'identity:list_role_assignments')
    assignments = []
    if user_id is not None and resources.user_exists(user_id):
        project_id = params.get('scope.project.id')
        if project_id is None:
            projects = _own_projects(resources.Token(user_id, project=tok.project))
        else:
            project = resources.project_by_id(project_id)
            projects = [project] if project else []
        role_id = params.get('role.id')
        assignments = [views.role_assignment(user_id, p, r, call.public_v3,
                                             'include_names' in params)
                       for p in projects for r in resources.roles(user_id)
                       if role_id in (None, r['id'])]
    return _json(views.collection('role_assignments', assignments, call.self_url()))


_ID = '(?P<%s>[^/]+)'
ROUTES = [
    (r'/?', {'GET': get_versions}),
    (r'/v3/?', {'GET': get_version}),
    (r'/v3/auth/tokens', {'POST': issue_token, 'GET': validate_token}),
    (r'/v3/auth/catalog', {'GET': auth_catalog}),
    (r'/v3/auth/projects', {'GET': auth_projects}),
    (r'/v3/auth/domains', {'GET': auth_domains}),
    (r'/v3/auth/system', {'GET': auth_system}),
    (r'/v3/users', {'GET': list_users}),
    (r'/v3/users/%s' % (_ID % 'user_id'), {'GET': get_user}),
    (r'/v3/users/%s/projects' % (_ID % 'user_id'), {'GET': user_projects}),
    (r'/v3/projects', {'GET': list_projects}),
    (r'/v3/projects/%s' % (_ID % 'project_id'), {'GET': get_project}),
    (r'/v3/domains', {'GET': list_domains}),
    (r'/v3/domains/%s' % (_ID % 'domain_id'), {'GET': get_domain}),
    (r'/v3/roles', {'GET': list_roles}),
    (r'/v3/role_assignments', {'GET': list_role_assignments}),
]
ROUTES = [(re.compile('^%s$' % pattern), methods) for pattern, methods in ROUTES]


def route(path, method):
    """(handler, kwargs) for a path under /identity; HEAD is GET."""
    for pattern, methods in ROUTES:
        match = pattern.match(path)
        if match:
            handler = methods.get('GET' if method == 'HEAD' else method)
            if handler is None:
                raise errors.MethodNotAllowed()
            return handler, match.groupdict()
    raise errors.NotFound('The resource could not be found.')


class IdentityApp:
    """Mounted at /identity; ``services()`` gives the catalog's
    (type, name, path or URL) entries."""

    def __init__(self, services):
        self.services = services

    @webob.dec.wsgify
    def __call__(self, req):
        call = Call(req, self.services())
        try:
            handler, kwargs = route(req.path_info, req.method)
            resp = handler(call, **kwargs)
        except errors.Error as e:
            resp = e.response(call.public_v3)
        except Exception:  # noqa: BLE001 - Keystone's 500 envelope, never a traceback
            LOG.exception('Unexpected error in %s %s', req.method, req.path)
            resp = errors.Error().response(call.public_v3)
        resp.headers['Vary'] = 'X-Auth-Token'
        return resp
