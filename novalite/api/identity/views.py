"""Keystone v3's response bodies: version documents, tokens, and the
project, user, domain and role references."""
import datetime

from novalite.api.identity import resources

VERSION = {'id': 'v3.14', 'status': 'stable', 'updated': '2020-04-07T00:00:00Z'}
MEDIA_TYPES = [{'base': 'application/json',
                'type': 'application/vnd.openstack.identity-v3+json'}]
TOKEN_LIFETIME = datetime.timedelta(seconds=3600)    # Keystone's [token] expiration


def version(v3_url):
    return dict(VERSION, links=[{'rel': 'self', 'href': v3_url + '/'}],
                **{'media-types': MEDIA_TYPES})


def versions(v3_url):
    return {'versions': {'values': [version(v3_url)]}}


def _time(when):
    return when.strftime('%Y-%m-%dT%H:%M:%S.000000Z')


def token(tok, methods, catalog, audit_ids):
    """The ``token`` body of POST/GET /v3/auth/tokens; ``catalog`` None
    leaves it out (``?nocatalog``, and unscoped tokens never have one)."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    user = resources.user(tok.user_id)
    body = {'methods': methods,
            'user': {'domain': user['domain'], 'id': user['id'], 'name': user['name'],
                     'password_expires_at': None},
            'audit_ids': audit_ids, 'issued_at': _time(now),
            'expires_at': _time(now + TOKEN_LIFETIME)}
    if tok.project:
        body['project'] = tok.project
        body['is_domain'] = False
    elif tok.domain:
        body['domain'] = tok.domain
    if tok.scoped:
        body['roles'] = resources.roles(tok.user_id)
        if catalog is not None:
            body['catalog'] = catalog
    return {'token': body}


def project_ref(project, v3_url):
    return {'id': project['id'], 'name': project['name'], 'description': '',
            'domain_id': project['domain']['id'], 'parent_id': project['domain']['id'],
            'enabled': True, 'is_domain': False, 'tags': [], 'options': {},
            'links': {'self': '%s/projects/%s' % (v3_url, project['id'])}}


def user_ref(user, v3_url):
    return {'id': user['id'], 'name': user['name'], 'domain_id': user['domain']['id'],
            'default_project_id': user['default_project_id'], 'enabled': True,
            'password_expires_at': None, 'options': {},
            'links': {'self': '%s/users/%s' % (v3_url, user['id'])}}


def domain_ref(v3_url):
    domain = resources.DEFAULT_DOMAIN
    return {'id': domain['id'], 'name': domain['name'], 'description': 'The default domain',
            'enabled': True, 'tags': [], 'options': {},
            'links': {'self': '%s/domains/%s' % (v3_url, domain['id'])}}


def role_ref(role, v3_url):
    return {'id': role['id'], 'name': role['name'], 'description': None, 'domain_id': None,
            'options': {'immutable': True},
            'links': {'self': '%s/roles/%s' % (v3_url, role['id'])}}


def role_assignment(user_id, project, role, v3_url, include_names):
    user = {'id': user_id}
    scope = {'id': project['id']}
    role_part = {'id': role['id']}
    if include_names:
        user.update(name=user_id, domain=resources.DEFAULT_DOMAIN)
        scope.update(name=project['name'], domain=resources.DEFAULT_DOMAIN)
        role_part['name'] = role['name']
    return {'links': {'assignment': '%s/projects/%s/users/%s/roles/%s'
                                    % (v3_url, project['id'], user_id, role['id'])},
            'role': role_part, 'scope': {'project': scope}, 'user': user}


def collection(key, items, self_url):
    return {key: items, 'links': {'next': None, 'previous': None, 'self': self_url}}
