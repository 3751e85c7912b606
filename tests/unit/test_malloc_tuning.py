"""The daemons' malloc tuning (novalite/cmd/__init__.py): glibc keeps a fixed
mmap threshold, so a large block freed does not send the next ones to the heap."""
import os
import subprocess
import sys

CODE = '''
import ctypes
IMPORT
libc = ctypes.CDLL(None)
class MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ('arena', 'ordblks', 'smblks', 'hblks',
                'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost')]
libc.mallinfo2.restype = MallInfo2
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
libc.free(libc.malloc(4 << 20))      # glibc's dynamic threshold would rise to 4 MiB
before = libc.mallinfo2().hblks
block = libc.malloc(512 << 10)
print(libc.mallinfo2().hblks - before)
libc.free(block)
'''


def _mmapped_after_a_large_free(import_line):
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    out = subprocess.run([sys.executable, '-c', CODE.replace('IMPORT', import_line)],
                         capture_output=True, text=True, check=True, env=env)
    return int(out.stdout)


def test_a_large_block_is_mapped_even_after_a_larger_one_was_freed():
    assert _mmapped_after_a_large_free('pass') == 0          # glibc's default
    assert _mmapped_after_a_large_free('import novalite.cmd') == 1
