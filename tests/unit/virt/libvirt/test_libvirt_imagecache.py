"""The _base image cache: fetch once, safe inspection, raw conversion, and
the cache manager's clean-up rules. Uses the real qemu-img."""
import os
import threading
import time

import pytest

from libvirt_testutils import add_image, make_instance
from novalite import exception
from novalite.image import download
from novalite.virt.libvirt import imagecache


class CountingFetch:
    def __init__(self):
        self.calls = []
        self.lock = threading.Lock()

    def __call__(self, context, image_id, dest):
        with self.lock:
            self.calls.append(image_id)
        return download.download(context, image_id, dest)


def test_cache_fname_is_sha1_of_image_id():
    assert imagecache.get_cache_fname('abc') == \
        'a9993e364706816aba3e25717850c26c9cd0d89d'


def test_fetch_once_and_touch(libvirt_env):
    add_image(libvirt_env / 'images', 'img-a', data=b'x' * 4096)
    cache, fetch = imagecache.ImageCache(), CountingFetch()
    with cache.cached(None, 'img-a', fetch, 'raw') as (base, fmt):
        assert fmt == 'raw'
        assert base == os.path.join(cache.base_dir, imagecache.get_cache_fname('img-a'))
    os.utime(base, (1000, 1000))
    with cache.cached(None, 'img-a', fetch, 'raw') as (base2, _):
        pass
    assert base2 == base
    assert fetch.calls == ['img-a']
    assert os.path.getmtime(base) > time.time() - 60     # touched on use
    assert oct(os.stat(base).st_mode & 0o777) == oct(0o644)
    assert not os.path.exists(base + '.part')


def test_concurrent_spawns_fetch_once(libvirt_env):
    add_image(libvirt_env / 'images', 'img-c', size=8 * 1024 * 1024)
    cache, fetch = imagecache.ImageCache(), CountingFetch()
    errors = []

    def use():
        try:
            with cache.cached(None, 'img-c', fetch, 'raw'):
                pass
        except Exception as e:  # noqa: BLE001
            errors.append(e)
    threads = [threading.Thread(target=use) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors
    assert fetch.calls == ['img-c']


def test_qcow2_converted_to_raw(libvirt_env):
    add_image(libvirt_env / 'images', 'img-q', size=2 * 1024 * 1024, fmt='qcow2')
    cache = imagecache.ImageCache()
    with cache.cached(None, 'img-q', download.download, 'qcow2') as (base, fmt):
        assert fmt == 'raw'
        assert os.path.getsize(base) == 2 * 1024 * 1024
    assert not os.path.exists(base + '.converted')


def test_qcow2_kept_without_force_raw(libvirt_env, flags):
    flags('force_raw_images', False)
    add_image(libvirt_env / 'images', 'img-q2', size=2 * 1024 * 1024, fmt='qcow2')
    with imagecache.ImageCache().cached(None, 'img-q2', download.download,
                                        'qcow2') as (base, fmt):
        assert fmt == 'qcow2'
        assert imagecache.virtual_size(base) == 2 * 1024 * 1024


@pytest.mark.parametrize('declared,actual', [('raw', 'qcow2'), ('qcow2', 'raw'),
                                             ('vmdk', 'raw')])
def test_format_mismatch_rejected_and_nothing_cached(libvirt_env, declared, actual):
    add_image(libvirt_env / 'images', 'img-m', fmt=actual)
    cache = imagecache.ImageCache()
    with pytest.raises(exception.ImageUnacceptable):
        with cache.cached(None, 'img-m', download.download, declared):
            pass
    assert os.listdir(cache.base_dir) == []


def test_qcow2_with_backing_file_rejected(libvirt_env):
    store = libvirt_env / 'images'
    backing = add_image(store, 'backing', size=1024 * 1024)
    imagecache.create_cow_image(backing, 'raw', str(store / 'img-b'), 1024 * 1024)
    with pytest.raises(exception.ImageUnacceptable, match='backing file'):
        with imagecache.ImageCache().cached(None, 'img-b', download.download, 'qcow2'):
            pass


def test_download_failure_leaves_no_part(libvirt_env):
    cache = imagecache.ImageCache()
    with pytest.raises(exception.ImageNotFound):
        with cache.cached(None, 'missing', download.download, 'raw'):
            pass
    assert os.listdir(cache.base_dir) == []


def test_manager_removes_only_old_unreferenced(libvirt_env, flags):
    flags('remove_unused_original_minimum_age_seconds', 3600, group='image_cache')
    store = libvirt_env / 'images'
    cache = imagecache.ImageCache()
    for image_id in ('used-by-disk', 'used-by-db', 'unused-old', 'unused-young',
                     'kernel-link'):
        add_image(store, image_id)
        with cache.cached(None, image_id, download.download, 'raw'):
            pass
    # an instance dir whose disk is an overlay on 'used-by-disk' and whose
    # kernel link points at 'kernel-link'
    inst_dir = os.path.join(str(libvirt_env / 'instances'), 'some-uuid')
    os.makedirs(inst_dir)
    imagecache.create_cow_image(cache.base_path('used-by-disk'), 'raw',
                                os.path.join(inst_dir, 'disk'), 1024 * 1024)
    os.symlink(cache.base_path('kernel-link'), os.path.join(inst_dir, 'kernel'))
    old = time.time() - 7200
    for image_id in ('used-by-disk', 'used-by-db', 'unused-old', 'kernel-link'):
        os.utime(cache.base_path(image_id), (old, old))

    manager = imagecache.ImageCacheManager(cache)
    removed = manager.update(None, [make_instance(image_ref='used-by-db')])

    assert removed == [cache.base_path('unused-old')]
    for image_id in ('used-by-disk', 'used-by-db', 'unused-young', 'kernel-link'):
        assert os.path.exists(cache.base_path(image_id)), image_id


def test_manager_disabled(libvirt_env, flags):
    flags('remove_unused_base_images', False, group='image_cache')
    flags('remove_unused_original_minimum_age_seconds', 0, group='image_cache')
    add_image(libvirt_env / 'images', 'x')
    cache = imagecache.ImageCache()
    with cache.cached(None, 'x', download.download, 'raw'):
        pass
    assert imagecache.ImageCacheManager(cache).update(None, []) == []
    assert os.path.exists(cache.base_path('x'))
