"""Entry points of the novalite daemons and CLI."""
import os
import warnings

# oslo.messaging imports oslo.service, whose only backend installed here is
# eventlet's; novalite never runs on eventlet, so eventlet's green DNS resolver
# (all of dnspython, ~7 MiB per daemon) is not loaded (eventlet's own switch).
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')


def _limit_malloc_arenas(arenas=2):
    """glibc gives threads that allocate concurrently malloc arenas of their
    own, up to 8 per core, and keeps what they freed: a daemon's RPC and
    WSGI worker threads held 15 arenas and 134 MiB in novalite-api after a
    1,000-server run (doc/scale.md).  The GIL serialises Python's
    allocations anyway, so two arenas cost no speed.  As MALLOC_ARENA_MAX=2
    would, unless the environment already sets it; set before any thread."""
    if 'MALLOC_ARENA_MAX' in os.environ:
        return
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        libc.mallopt(-8, arenas)        # M_ARENA_MAX
    except (OSError, AttributeError):   # not glibc
        pass


_limit_malloc_arenas()

# oslo.messaging still imports eventlet-backed modules of oslo.service at import
# time; novalite never uses eventlet, so their deprecation notices are noise.
warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning, module='oslo_service.*')
