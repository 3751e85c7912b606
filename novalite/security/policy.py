"""Who may call what over RPC, and what is checked beyond the signature.

Keys are (topic, namespace) of the receiving RPC server.  A compute takes
orders only from the control plane; the conductor's compute-facing API only
from computes (who act as their verified identity); the build path
(``compute_task``) from the API, conductor and scheduler, and from a compute
only to reschedule its own instance (``conductor/validation.py``).
"""
import importlib

from novalite import exception
from novalite.security import keys as k

CALLERS = {
    ('conductor', 'compute_task'): {k.API, k.CONDUCTOR, k.SCHEDULER, k.COMPUTE},
    ('conductor', None): {k.COMPUTE},
    # Nova's baseapi ping: the conductor's heartbeat checks its own queue
    ('conductor', 'baseapi'): {k.CONDUCTOR},
    ('scheduler', None): {k.CONDUCTOR},
    ('compute', None): {k.CONDUCTOR, k.API},
}

VALIDATORS = {
    ('conductor', 'compute_task'): 'novalite.conductor.validation:validate_compute_task',
    ('conductor', None): 'novalite.conductor.validation:validate_compute_call',
}

# Only these identities' contexts keep is_admin and roles.
PRIVILEGED = {k.API, k.CONDUCTOR, k.SCHEDULER}

_loaded = {}


def _validator(key):
    path = VALIDATORS.get(key)
    if path is None:
        return None
    if path not in _loaded:
        mod, _sep, name = path.partition(':')
        _loaded[path] = getattr(importlib.import_module(mod), name)
    return _loaded[path]


def admit(identity, topic, message, ctxt):
    """Refuse a caller the table does not allow; drop the privileges of an
    unprivileged one; run the (topic, namespace) validator on the arguments."""
    key = (topic, message.get('namespace'))
    method = message.get('method')
    if identity.binary not in CALLERS.get(key, ()):
        raise exception.ServiceNotAuthorized(identity=identity, method=method,
                                             reason='not allowed on %s/%s' % key)
    if identity.binary not in PRIVILEGED:
        ctxt['is_admin'] = False
        ctxt['roles'] = []
    validate = _validator(key)
    if validate is not None:
        args = message.get('args')
        if not isinstance(args, dict):
            raise exception.ServiceNotAuthorized(identity=identity, method=method,
                                                 reason='arguments are not a mapping')
        validate(identity, method, args)
