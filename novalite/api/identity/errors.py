"""Keystone's errors and its envelope:
``{"error": {"code": 401, "message": "...", "title": "Unauthorized"}}``."""
import http.client
import json

import webob

_CLIENT_ERROR = (' The server could not comply with the request since it is either '
                 'malformed or otherwise incorrect. The client is assumed to be in error.')


class Error(Exception):
    code = 500
    message = 'An unexpected error prevented the server from fulfilling your request.'

    def __init__(self, message=None, **extra):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.extra = extra

    @property
    def title(self):
        return http.client.responses[self.code]

    def response(self, identity_url):
        """The error as Keystone answers it; a 401 names where to log in."""
        body = {'code': self.code, 'message': self.message, 'title': self.title}
        body.update(self.extra)
        resp = webob.Response(status=self.code, content_type='application/json',
                              charset='UTF-8')
        resp.text = json.dumps({'error': body})
        if self.code == 401:
            resp.headers['WWW-Authenticate'] = 'Keystone uri="%s"' % identity_url
        return resp


class ValidationError(Error):
    """A malformed request body."""
    code = 400

    @classmethod
    def missing(cls, attribute, target):
        return cls('Expecting to find %s in %s.%s' % (attribute, target, _CLIENT_ERROR))


class Unauthorized(Error):
    code = 401
    message = 'The request you have made requires authentication.'


class Forbidden(Error):
    code = 403
    message = 'You are not authorized to perform the requested action.'

    @classmethod
    def action(cls, action):
        return cls('You are not authorized to perform the requested action: %s.' % action)


class NotFound(Error):
    code = 404

    @classmethod
    def of(cls, kind, ref):
        return cls('Could not find %s: %s.' % (kind, ref))


class MethodNotAllowed(Error):
    code = 405
    message = 'The method is not allowed for the requested URL.'
