"""Entry point for oslo-config-generator (``novalite.conf`` namespace)."""
from novalite import conf


def list_opts():
    result = {}
    for mod in conf.MODULES:
        for group, opts in mod.list_opts().items():
            result.setdefault(group, []).extend(opts)
    return sorted(result.items(), key=lambda kv: (kv[0] != 'DEFAULT', kv[0]))
