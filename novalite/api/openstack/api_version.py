"""The one table of microversions: each row is a version and what it changed.

A schema or view asks ``req.is_at_least('2.47')``; nothing else in the code
base knows the list.  The maximum is the last row.
"""
import re

from novalite import exception

VERSIONS = [
    ('2.1', 'Initial version: the v2.1 API, equivalent to legacy v2 with '
            'strict input validation.'),
]

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class APIVersionRequest:
    """A parsed ``X.Y`` version; compares with tuples or other versions."""

    def __init__(self, version_string=None, major=None, minor=None):
        if version_string is not None:
            match = _VERSION_RE.match(version_string)
            if not match:
                raise exception.InvalidAPIVersionString(version=version_string)
            major, minor = int(match.group(1)), int(match.group(2))
        self.ver = (major, minor)

    def __str__(self):
        return '%d.%d' % self.ver

    def _key(self, other):
        if isinstance(other, str):
            other = APIVersionRequest(other)
        return other.ver if isinstance(other, APIVersionRequest) else tuple(other)

    def __eq__(self, other):
        return self.ver == self._key(other)

    def __lt__(self, other):
        return self.ver < self._key(other)

    def __le__(self, other):
        return self.ver <= self._key(other)

    def __gt__(self, other):
        return self.ver > self._key(other)

    def __ge__(self, other):
        return self.ver >= self._key(other)

    def __hash__(self):
        return hash(self.ver)

    def matches(self, min_version=None, max_version=None):
        return ((min_version is None or self >= min_version) and
                (max_version is None or self <= max_version))


MIN_VERSION = APIVersionRequest(VERSIONS[0][0])
MAX_VERSION = APIVersionRequest(VERSIONS[-1][0])
LEGACY_VERSION = APIVersionRequest('2.0')

HEADER_NEW = 'OpenStack-API-Version'
HEADER_LEGACY = 'X-OpenStack-Nova-API-Version'


def from_headers(headers):
    """The requested version: ``OpenStack-API-Version: compute X.Y`` wins over
    the legacy header; absent means the minimum, ``latest`` the maximum."""
    value = None
    new = headers.get(HEADER_NEW)
    if new:
        for item in new.split(','):
            parts = item.strip().split(None, 1)
            if len(parts) == 2 and parts[0].lower() == 'compute':
                value = parts[1].strip()
    if value is None:
        value = headers.get(HEADER_LEGACY)
    if not value:
        return MIN_VERSION
    if value.strip().lower() == 'latest':
        return MAX_VERSION
    version = APIVersionRequest(value.strip())
    if not version.matches(MIN_VERSION, MAX_VERSION):
        raise exception.InvalidGlobalAPIVersion(req_ver=str(version), min_ver=str(MIN_VERSION),
                                                max_ver=str(MAX_VERSION))
    return version
