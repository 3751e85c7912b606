"""The image cache under ``$instances_path/_base`` (Nova's imagebackend
``Image.cache`` plus virt/libvirt/imagecache.py, small).

* A base file is named by the SHA1 of the image id and fetched at most once,
  under an fcntl file lock in ``$instances_path/locks``: download to
  ``<base>.part``, inspect, convert qcow2 → raw when ``force_raw_images``
  (through ``<base>.converted``), then rename into place.
* Its mtime is touched on every use; the cache manager removes base files no
  instance on this host references once they are older than
  ``[image_cache] remove_unused_original_minimum_age_seconds``.
"""
import contextlib
import fcntl
import hashlib
import logging
import os
import struct
import subprocess
import time

from oslo_config import cfg

from novalite import exception
from novalite.conf import image_cache as image_cache_conf

CONF = cfg.CONF
image_cache_conf.register_opts(CONF)   # idempotent; novalite.conf may do it too

LOG = logging.getLogger(__name__)

QCOW2_MAGIC = b'QFI\xfb'
# disk_format values whose data must be raw bytes (not a qcow2 container).
RAW_FORMATS = ('raw', 'ami', 'aki', 'ari')
SUPPORTED_FORMATS = RAW_FORMATS + ('qcow2',)


def get_cache_fname(image_id):
    """Base file name of an image: the SHA1 hex digest of its id."""
    return hashlib.sha1(str(image_id).encode('utf-8')).hexdigest()


def _read_qcow2_header(path):
    with open(path, 'rb') as f:
        head = f.read(32)
    if len(head) < 32 or head[:4] != QCOW2_MAGIC:
        return None
    backing_offset, backing_size = struct.unpack('>QI', head[8:20])
    (size,) = struct.unpack('>Q', head[24:32])
    return {'backing_offset': backing_offset, 'backing_size': backing_size,
            'size': size}


def detect_format(path):
    """'qcow2' or 'raw', from the file's own header (never trusted metadata)."""
    return 'qcow2' if _read_qcow2_header(path) is not None else 'raw'


def virtual_size(path):
    """Guest-visible size in bytes of a raw or qcow2 file."""
    header = _read_qcow2_header(path)
    return header['size'] if header else os.path.getsize(path)


def backing_file(path):
    """The backing file recorded in a qcow2 header, or None."""
    header = _read_qcow2_header(path)
    if not header or not header['backing_offset']:
        return None
    with open(path, 'rb') as f:
        f.seek(header['backing_offset'])
        return f.read(header['backing_size']).decode('utf-8', 'replace')


def qemu_img(*args):
    cmd = ('qemu-img',) + args
    LOG.debug('Running %s', ' '.join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise exception.NovaliteException(
            '%s failed (%d): %s' % (' '.join(cmd), proc.returncode,
                                    proc.stderr.strip()))
    return proc.stdout


def create_cow_image(base, base_format, path, size_bytes):
    """A qcow2 overlay at ``path`` on ``base`` of ``size_bytes``."""
    qemu_img('create', '-f', 'qcow2',
             '-o', 'backing_file=%s,backing_fmt=%s' % (base, base_format),
             path, str(size_bytes))


class ImageCache:
    """Fetch-once cache of images as base files."""

    def __init__(self):
        self.fetch_count = 0   # downloads done by this object (observability)

    @property
    def base_dir(self):
        return os.path.join(CONF.instances_path,
                            CONF.image_cache.subdirectory_name)

    @property
    def lock_dir(self):
        return os.path.join(CONF.instances_path, 'locks')

    def base_path(self, image_id):
        return os.path.join(self.base_dir, get_cache_fname(image_id))

    @contextlib.contextmanager
    def lock(self, fname):
        """External (inter-process) lock for one base file."""
        os.makedirs(self.lock_dir, exist_ok=True)
        path = os.path.join(self.lock_dir, 'novalite-%s' % fname)
        with open(path, 'a') as f:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    def _ensure_base_dir(self):
        os.makedirs(self.base_dir, exist_ok=True)
        os.chmod(self.base_dir, 0o755)

    def fetch_locked(self, context, image_id, fetch_func, disk_format=None):
        """With the image's lock held: make sure the base file exists (fetch
        it if not) and touch it. Returns (base path, format of the base)."""
        self._ensure_base_dir()
        base = self.base_path(image_id)
        if os.path.exists(base):
            LOG.debug('Image %s found in cache at %s', image_id, base)
            os.utime(base, None)
        else:
            self._fetch(context, image_id, fetch_func, base, disk_format)
        return base, detect_format(base)

    @contextlib.contextmanager
    def cached(self, context, image_id, fetch_func, disk_format=None):
        """Context manager: hold the image's lock and yield (base, format), so
        the caller can create its overlay before the cache manager may look."""
        with self.lock(get_cache_fname(image_id)):
            yield self.fetch_locked(context, image_id, fetch_func, disk_format)

    def _fetch(self, context, image_id, fetch_func, base, disk_format):
        part = base + '.part'
        converted = base + '.converted'
        for stale in (part, converted):
            if os.path.exists(stale):
                os.unlink(stale)
        LOG.info('Fetching image %s into the cache (%s)', image_id, base)
        try:
            fetch_func(context, image_id, part)
            self.fetch_count += 1
            actual = self._inspect(image_id, part, disk_format)
            if actual == 'qcow2' and CONF.force_raw_images:
                LOG.debug('Converting %s to raw', part)
                qemu_img('convert', '-f', 'qcow2', '-O', 'raw', part, converted)
                os.unlink(part)
                part = converted
            os.chmod(part, 0o644)
            os.rename(part, base)
        except Exception:
            for leftover in (part, converted):
                if os.path.exists(leftover):
                    os.unlink(leftover)
            raise

    @staticmethod
    def _inspect(image_id, path, disk_format):
        """Check the downloaded data against its declared format (Nova's
        format inspector, reduced to what we accept: raw and qcow2)."""
        actual = detect_format(path)
        if disk_format and disk_format not in SUPPORTED_FORMATS:
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason='disk_format %s is not supported' % disk_format)
        if disk_format in RAW_FORMATS and actual != 'raw':
            raise exception.ImageUnacceptable(
                image_id=image_id,
                reason='declared %s but the data is %s' % (disk_format, actual))
        if disk_format == 'qcow2' and actual != 'qcow2':
            raise exception.ImageUnacceptable(
                image_id=image_id, reason='declared qcow2 but the data is raw')
        if actual == 'qcow2' and backing_file(path):
            raise exception.ImageUnacceptable(
                image_id=image_id, reason='qcow2 image has a backing file')
        return actual


class ImageCacheManager:
    """Periodic clean-up of unused base files (``manage_image_cache``)."""

    def __init__(self, cache):
        self.cache = cache

    def _instance_dirs(self):
        root = CONF.instances_path
        skip = {CONF.image_cache.subdirectory_name, 'locks'}
        if not os.path.isdir(root):
            return []
        return [os.path.join(root, d) for d in os.listdir(root)
                if d not in skip and os.path.isdir(os.path.join(root, d))]

    def referenced_base_files(self, all_instances):
        """Real paths of base files in use: named by the images of
        ``all_instances`` or referenced from an instance directory (disk
        backing file, kernel/ramdisk links)."""
        used = set()
        for inst in all_instances or ():
            for image_id in (getattr(inst, 'image_ref', None),
                             getattr(inst, 'kernel_id', None),
                             getattr(inst, 'ramdisk_id', None)):
                if image_id:
                    used.add(os.path.realpath(self.cache.base_path(image_id)))
        for inst_dir in self._instance_dirs():
            for name in os.listdir(inst_dir):
                path = os.path.join(inst_dir, name)
                if os.path.islink(path):
                    used.add(os.path.realpath(path))
                elif name == 'disk' or name.startswith('disk.'):
                    try:
                        backing = backing_file(path)
                    except OSError:
                        backing = None
                    if backing:
                        used.add(os.path.realpath(
                            os.path.join(inst_dir, backing)))
        return used

    def update(self, context, all_instances):
        """Remove unused base files older than the minimum age. Returns the
        list of removed paths."""
        if not CONF.image_cache.remove_unused_base_images:
            return []
        base_dir = self.cache.base_dir
        if not os.path.isdir(base_dir):
            return []
        min_age = CONF.image_cache.remove_unused_original_minimum_age_seconds
        used = self.referenced_base_files(all_instances)
        removed = []
        for name in sorted(os.listdir(base_dir)):
            path = os.path.join(base_dir, name)
            if os.path.realpath(path) in used or not os.path.isfile(path):
                continue
            fname = name.split('.', 1)[0]
            with self.cache.lock(fname):
                # Re-check under the lock: a spawn may just have used it.
                try:
                    age = time.time() - os.path.getmtime(path)
                except FileNotFoundError:
                    continue
                if age < min_age or os.path.realpath(path) in \
                        self.referenced_base_files([]):
                    LOG.debug('Unused base file %s is too young (%ds)', path, age)
                    continue
                LOG.info('Removing unused base file %s (unused for %ds)', path, age)
                os.unlink(path)
                removed.append(path)
        return removed
