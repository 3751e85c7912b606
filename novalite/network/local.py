"""novalite-api calling its own embedded network service in-process.

With ``[network] backend = embedded`` the API's Neutron client would otherwise
make an HTTP request to the very server that is running the request asking,
which needs a free worker of that server's pool (a burst of creates could hold
them all and wait for each other) and a URL the server knows itself by. This
requests transport adapter hands the request to the WSGI application instead;
novalite-compute, in its own process, still goes over HTTP.
"""
import urllib.parse

import requests
from requests import adapters
from requests import structures
import webob


class WSGIAdapter(adapters.BaseAdapter):
    """Send a requests.PreparedRequest to a WSGI app, as if over HTTP."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None,
             proxies=None):
        url = urllib.parse.urlsplit(request.url)
        path = url.path + ('?' + url.query if url.query else '')
        body = request.body or b''
        wreq = webob.Request.blank(path, method=request.method,
                                   headers=dict(request.headers),
                                   body=body.encode() if isinstance(body, str) else body,
                                   base_url='%s://%s' % (url.scheme, url.netloc))
        wresp = wreq.get_response(self.app)
        resp = requests.Response()
        resp.status_code = wresp.status_code
        resp.reason = wresp.status.partition(' ')[2]
        resp.headers = structures.CaseInsensitiveDict(wresp.headers)
        resp._content = wresp.body
        resp.encoding = wresp.charset or 'utf-8'
        resp.url, resp.request = request.url, request
        return resp

    def close(self):
        pass
