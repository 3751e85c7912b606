"""Nova's reference material for the conformance tests: the api_samples of the
released Nova source distribution (pinned in tools/fetch-reference.sh), which
``make test`` fetches from PyPI and caches under ``.cache/reference`` in the
checkout; ``$NOVALITE_REFERENCE`` names another copy.  Fetched here when
missing; a fetch that fails is a failure in CI and a skip locally, like a
missing service."""
import os
import pathlib
import subprocess
import sys

from tests import services

REPO = pathlib.Path(__file__).resolve().parents[1]
FETCH = REPO / 'tools' / 'fetch-reference.sh'


def _root():
    root = pathlib.Path(os.environ.get('NOVALITE_REFERENCE') or REPO / '.cache' / 'reference')
    if not (root / 'api_samples').is_dir():
        res = subprocess.run([str(FETCH), str(root)], capture_output=True, text=True,
                             env=dict(os.environ, PYTHON=sys.executable), timeout=600)
        if res.returncode:
            services.unavailable("Nova's api_samples (tools/fetch-reference.sh failed: %s)"
                                 % (res.stdout + res.stderr)[-2000:])
    return root


def api_samples(kind='doc'):
    """``api_samples/doc`` (concrete bodies) or ``api_samples/templates``."""
    return _root() / 'api_samples' / kind
