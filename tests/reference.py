"""Where Nova's reference material lives: ``shared/reference`` beside (or above)
the checkout, as the project keeps it, else ``$NOVALITE_REFERENCE`` or
``/work/shared/reference`` (a clean clone elsewhere on the same machine).
Missing material fails in CI and skips locally, like a missing service."""
import os
import pathlib

from tests import services

_HERE = pathlib.Path(__file__).resolve()


def _find():
    candidates = [os.environ.get('NOVALITE_REFERENCE')]
    candidates += [p / 'shared' / 'reference' for p in _HERE.parents]
    candidates.append('/work/shared/reference')
    for c in candidates:
        if c and (pathlib.Path(c) / 'api_samples').is_dir():
            return pathlib.Path(c)
    return None


ROOT = _find()


def api_samples(kind='doc'):
    """``api_samples/doc`` (concrete bodies) or ``api_samples/templates``."""
    if ROOT is None:
        services.unavailable("Nova's api_samples (shared/reference beside the checkout)")
    return ROOT / 'api_samples' / kind
