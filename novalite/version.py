"""Version of the novalite package (from pbr metadata when installed)."""


def version_string():
    try:
        from importlib.metadata import version
        return version('novalite')
    except Exception:  # noqa: BLE001 - running from a plain checkout
        return '0.0.0'
