"""The clouds.yaml that novalite-all writes: the embedded identity endpoint
and noauth2's users, nothing else (the catalog gives every endpoint)."""
import os
import shutil
import sys

CLOUDS = (('novalite', 'admin'), ('novalite-member', 'demo'))

TEMPLATE = """\
  %(cloud)s:
    auth_type: password
    auth:
      auth_url: %(auth_url)s
      username: %(user)s
      password: %(user)s
      project_name: %(user)s
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    identity_api_version: 3
"""


def text(api_root):
    auth_url = api_root.rstrip('/') + '/identity/v3'
    head = ('# Written by novalite-all. noauth2: any password is accepted; the user\n'
            '# "admin" is an administrator, any other user a member of its project.\n'
            'clouds:\n')
    return head + ''.join(TEMPLATE % {'cloud': cloud, 'user': user, 'auth_url': auth_url}
                          for cloud, user in CLOUDS)


def write(state_path, api_root):
    """Write ``clouds.yaml`` under ``state_path``; return its path."""
    path = os.path.join(os.path.abspath(state_path), 'clouds.yaml')
    with open(path, 'w') as f:
        f.write(text(api_root))
    return path


def openstack_cli():
    """The ``openstack`` command beside this Python (novalite's venv), else
    the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), 'openstack')
    return beside if os.path.exists(beside) else (shutil.which('openstack') or 'openstack')
