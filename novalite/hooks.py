"""Hooks around named functions (Nova's ``@hooks.add_hook``).

Extensions in the ``novalite.hooks`` stevedore namespace registered under a
hook's name get ``pre(*args, **kwargs)`` before and ``post(rv, *args,
**kwargs)`` after the decorated function.
"""
import functools
import logging

from stevedore import extension

LOG = logging.getLogger(__name__)
_MANAGERS = {}


def _manager(name):
    if name not in _MANAGERS:
        mgr = extension.ExtensionManager('novalite.hooks', invoke_on_load=True)
        _MANAGERS[name] = [e.obj for e in mgr if e.name == name]
    return _MANAGERS[name]


def add_hook(name):
    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            hooks = _manager(name)
            for h in hooks:
                if hasattr(h, 'pre'):
                    h.pre(*args, **kwargs)
            rv = func(*args, **kwargs)
            for h in hooks:
                if hasattr(h, 'post'):
                    h.post(rv, *args, **kwargs)
            return rv
        return wrapper
    return decorator


class LoggingHook:
    """The ``create_instance`` hook novalite ships: logs every create at debug level."""

    def pre(self, *args, **kwargs):
        LOG.debug('create_instance starting: %s', kwargs.get('display_name'))

    def post(self, rv, *args, **kwargs):
        LOG.debug('create_instance done: reservation %s', rv[1] if rv else None)


class BuildLoggingHook:
    """The ``build_instance`` hook novalite ships (seed 3.11): logs each build
    a compute host starts and ends, at debug level.  The decorated method is
    ``ComputeManager._do_build_and_run_instance(self, context, instance, ...)``."""

    def pre(self, manager, context, instance, *args, **kwargs):
        LOG.debug('build_instance starting: %s on %s', instance.uuid, manager.host)

    def post(self, rv, manager, context, instance, *args, **kwargs):
        LOG.debug('build_instance done: %s on %s', instance.uuid, manager.host)
