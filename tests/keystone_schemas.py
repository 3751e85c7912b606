"""Keystone's own response schemas (keystone 30+, ``<module>/schema.py``
``*_response_body``), read from the real Keystone in ``.venv-keystone``
(tools/setup-service-venv.sh keystone) by its own Python, so novalite's
embedded identity bodies are checked against what Keystone promises.
Tempest has no identity response schemas."""
import functools
import json
import os
import subprocess

import jsonschema

from tests import services

NAMES = {
    'project_get': 'keystone.resource.schema:project_get_response_body',
    'project_index': 'keystone.resource.schema:project_index_response_body',
    'domain_get': 'keystone.resource.schema:domain_get_response_body',
    'domain_index': 'keystone.resource.schema:domain_index_response_body',
    'user_get': 'keystone.identity.schema:user_get_response_body',
    'user_index': 'keystone.identity.schema:user_index_response_body',
    'role_index': 'keystone.assignment.schema:roles_index_response_body',
    'role_assignment_index': 'keystone.assignment.schema:role_assignments_index_response_body',
}

_DUMP = """
import importlib, json, sys
out = {}
for key, ref in json.loads(sys.argv[1]).items():
    module, attr = ref.split(':')
    out[key] = getattr(importlib.import_module(module), attr)
print(json.dumps(out))
"""


@functools.lru_cache(maxsize=None)
def _schemas():
    venv = services.service_venv('keystone')
    res = subprocess.run([os.path.join(venv, 'bin', 'python'), '-W', 'ignore', '-c', _DUMP,
                          json.dumps(NAMES)], capture_output=True, text=True, timeout=120)
    if res.returncode:
        services.unavailable("Keystone's response schemas (%s)" % res.stderr[-2000:])
    return json.loads(res.stdout)


def check(name, body):
    """Validate ``body`` against Keystone's ``name`` response schema."""
    jsonschema.validate(body, _schemas()[name],
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    return body
