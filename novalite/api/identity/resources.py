"""The users, projects, domain and roles of noauth2, as Keystone shows them.

There is nothing stored: every name exists.  A user's id is its name (what
noauth2 records as ``user_id``); a project's id is the hex of its UTF-8 name,
so ids stay hex (as Nova's routes require), the same name always gives the
same id and an id gives its name back.  There is one domain, Keystone's
``default``/``Default``.  The user ``admin`` has the roles admin, member and
reader; anyone else member and reader (as ``novalite.api.auth`` gives them).

A token is noauth2's ``user:project_id``; ``user:default`` is scoped to the
domain and ``user:`` is unscoped (neither is accepted by the compute API).
"""
import base64
import hashlib
import re
import uuid

DEFAULT_DOMAIN = {'id': 'default', 'name': 'Default'}
ADMIN_USER = 'admin'
ADMIN_ROLES = ('admin', 'member', 'reader')
MEMBER_ROLES = ('member', 'reader')
MAX_PROJECT_NAME = 64          # Keystone's project name limit
MAX_USER_NAME = 255            # Keystone's user name limit
_HEX = re.compile(r'^(?:[0-9a-f]{2})+$')
_TOKEN_PROJECT = re.compile(r'^[0-9a-f]+$')
_ROLE_NS = uuid.UUID('0f3c8a53-2a9e-4c52-8d5e-7a1b6c2e9f40')


def hex_id(name):
    return name.encode('utf-8').hex()


def valid_name(name, limit):
    """Keystone's rule for names: a non-empty string without control
    characters (and, for noauth2's token, no colon in a user name)."""
    return (isinstance(name, str) and 0 < len(name) <= limit and name.strip() != ''
            and name.isprintable())


def project_name(project_id):
    """The name a project id encodes, or None when it encodes none."""
    if not isinstance(project_id, str) or not _HEX.match(project_id) \
            or len(project_id) > 4 * 2 * MAX_PROJECT_NAME:
        return None
    try:
        name = bytes.fromhex(project_id).decode('utf-8')
    except UnicodeDecodeError:
        return None
    return name if valid_name(name, MAX_PROJECT_NAME) else None


def project(name, project_id=None):
    return {'id': project_id or hex_id(name), 'name': name, 'domain': DEFAULT_DOMAIN}


def project_by_id(project_id):
    name = project_name(project_id)
    return None if name is None else project(name, project_id)


def user_exists(user_id):
    return valid_name(user_id, MAX_USER_NAME) and ':' not in user_id


def user(user_id):
    return {'id': user_id, 'name': user_id, 'domain': DEFAULT_DOMAIN,
            'default_project_id': hex_id(user_id)}


def is_admin(user_id):
    return user_id == ADMIN_USER


def roles(user_id):
    names = ADMIN_ROLES if is_admin(user_id) else MEMBER_ROLES
    return [role(n) for n in names]


def role(name):
    return {'id': uuid.uuid5(_ROLE_NS, name).hex, 'name': name}


def domain_matches(ref):
    """``ref`` is ``{"id": ...}`` or ``{"name": ...}``: the default domain?"""
    if 'id' in ref:
        return ref['id'] == DEFAULT_DOMAIN['id']
    return ref.get('name') == DEFAULT_DOMAIN['name']


def audit_id(token):
    """Keystone's audit ids are 22 url-safe base64 characters; a token's is
    derived from it, so validating it again gives the same one."""
    digest = hashlib.sha256(token.encode('utf-8')).digest()[:16]
    return base64.urlsafe_b64encode(digest).decode().rstrip('=')


class Token:
    """A parsed noauth2 token: a user and a project, the domain or nothing."""

    def __init__(self, user_id, project=None, domain=None):
        self.user_id, self.project, self.domain = user_id, project, domain

    @property
    def id(self):
        if self.project:
            return '%s:%s' % (self.user_id, self.project['id'])
        return '%s:%s' % (self.user_id, self.domain['id'] if self.domain else '')

    @property
    def scoped(self):
        return bool(self.project or self.domain)

    @classmethod
    def parse(cls, token):
        """The Token a noauth2 token string stands for, or None.  Any hex
        project id the compute API takes is accepted; its name is the one it
        encodes, else the id itself."""
        if not isinstance(token, str):
            return None
        user_id, sep, scope = token.partition(':')
        if not sep or not user_exists(user_id):
            return None
        if scope == '':
            return cls(user_id)
        if scope == DEFAULT_DOMAIN['id']:
            return cls(user_id, domain=DEFAULT_DOMAIN)
        if not _TOKEN_PROJECT.match(scope) or len(scope) > 255:
            return None
        return cls(user_id, project=project(project_name(scope) or scope, scope))
