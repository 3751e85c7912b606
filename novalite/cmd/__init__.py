"""Entry points of the novalite daemons and CLI."""
import os
import warnings

# oslo.messaging imports oslo.service, whose only backend installed here is
# eventlet's; novalite never runs on eventlet, so eventlet's green DNS resolver
# (all of dnspython, ~7 MiB per daemon) is not loaded (eventlet's own switch).
os.environ.setdefault('EVENTLET_NO_GREENDNS', 'yes')


# glibc's mallopt parameters and the environment variables that set them
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8
_MALLOPT = ((M_ARENA_MAX, 'MALLOC_ARENA_MAX', 2),
            (M_MMAP_THRESHOLD, 'MALLOC_MMAP_THRESHOLD_', 128 * 1024),
            (M_TRIM_THRESHOLD, 'MALLOC_TRIM_THRESHOLD_', 128 * 1024))


def _tune_malloc():
    """glibc's malloc, tuned for a Python daemon's memory (doc/scale.md, Memory).

    Two arenas: glibc gives threads that allocate concurrently arenas of their
    own, up to 8 per core, and keeps what they freed: a daemon's RPC and WSGI
    worker threads held 15 arenas and 134 MiB in novalite-api after a
    1,000-server run.  The GIL serialises Python's allocations anyway, so two
    arenas cost no speed.

    Fixed 128 KiB thresholds (glibc's initial values): otherwise glibc raises
    both each time a large block is freed, and the next messages and response
    bodies of a few MB stay in the heap once freed.  With them, novalite-api
    and -conductor held 7 MiB less after the 1,000-server run.

    Each as its MALLOC_* environment variable would, unless the environment
    sets it; set before any thread."""
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        for param, env, value in _MALLOPT:
            if env not in os.environ:
                libc.mallopt(param, value)
    except (OSError, AttributeError):   # not glibc
        pass


_tune_malloc()

# oslo.messaging still imports eventlet-backed modules of oslo.service at import
# time; novalite never uses eventlet, so their deprecation notices are noise.
warnings.filterwarnings('ignore', message='(?s).*[Ee]ventlet')
warnings.filterwarnings('ignore', category=DeprecationWarning, module='oslo_service.*')
