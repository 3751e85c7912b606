"""novalite-compute never loads the database layer (nor SQLAlchemy)."""
import subprocess
import sys

CODE = '''
import sys
from novalite.cmd import compute
compute.block_db_access()
try:
    from novalite.db import session
except ImportError as e:
    print('refused:', e)
print('loaded:', sorted(m for m in sys.modules
                        if m.startswith(('sqlalchemy', 'novalite.db'))))
'''


def test_block_db_access_refuses_the_database_layer_without_loading_it():
    out = subprocess.run([sys.executable, '-c', CODE], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ['refused: No DB access allowed in novalite-compute (novalite.db)',
                   'loaded: []']
