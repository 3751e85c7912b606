"""Validate novalite's responses with Tempest's per-microversion response
schemas, chosen exactly as Tempest's own service clients choose them.

    check('servers_client.ServersClient', 'get_server', '2.47', resp)

``client`` names a Tempest compute service client class (module.Class under
``tempest.lib.services.compute``); ``name`` is the schema attribute
(``create_server``, ``get_server``, ``list_servers_detail``, ...).  Clients
without per-version schemas (``schema_versions_info``) use their module's
``schema``.  Failures raise Tempest's InvalidHTTPResponseBody/Header.
"""
import importlib

from tempest.lib.common import api_version_request
from tempest.lib.common import rest_client


def schema_for(client, name, version):
    module_name, class_name = client.split('.')
    module = importlib.import_module('tempest.lib.services.compute.' + module_name)
    cls = getattr(module, class_name)
    infos = getattr(cls, 'schema_versions_info', None)
    if not infos:
        return getattr(module.schema, name)
    wanted = api_version_request.APIVersionRequest(version)
    for info in infos:
        low = api_version_request.APIVersionRequest(info['min'])
        high = api_version_request.APIVersionRequest(info['max'])
        if wanted.matches(low, high):
            return getattr(info['schema'], name)
    raise LookupError('Tempest has no %s schema of %s at %s' % (name, client, version))


class _Resp(dict):
    """What Tempest's validator expects: a dict of headers with ``status``."""

    def __init__(self, status, headers):
        super().__init__((k.lower(), v) for k, v in headers.items())
        self.status = status


def check(client, name, version, response):
    """Validate a ``tests.cloud.Response`` (status, headers, json)."""
    schema = schema_for(client, name, version)
    rest_client.RestClient.validate_response(
        schema, _Resp(response.status, response.headers), response.json)
    return response
