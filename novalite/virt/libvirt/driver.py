"""The libvirt compute driver (Nova's virt/libvirt/driver.py; seed 3.13-3.16).

spawn: get_disk_info → _create_image (instance dir, cached base image, qcow2
overlay, kernel/ramdisk, console.log) → _get_guest_xml → 
_create_domain_and_network → _create_domain → Guest.create (defineXML) →
guest.launch (createWithFlags) → wait for RUNNING.  Any failure on the way
destroys and undefines the domain and removes the instance directory.
"""
import json
import logging
import mmap
import os
import shutil
import time

from oslo_config import cfg

from novalite.compute import power_state
from novalite import exception
from novalite.image import download as image_download
from novalite.network import linux as linux_net
from novalite import version
from novalite.virt import driver
from novalite.virt.libvirt import config as vconfig
from novalite.virt.libvirt import detect
from novalite.virt.libvirt import guest as libvirt_guest
from novalite.virt.libvirt import host
from novalite.virt.libvirt import imagecache
from novalite.virt.libvirt import vif as libvirt_vif

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

GiB = 1024 ** 3
CONSOLE = 'console=tty0 console=ttyS0'
SPAWN_POLL_INTERVAL = 0.5   # seconds between get_info polls (as Nova)


def get_instance_path(instance):
    return os.path.join(CONF.instances_path, instance.uuid)


def _supports_direct_io(dirpath):
    """Whether files in ``dirpath`` can be opened with O_DIRECT (tmpfs
    cannot); decides the disk cache mode (none vs writeback), as Nova does."""
    testfile = os.path.join(dirpath, '.directio.test')
    buf = mmap.mmap(-1, 4096)
    try:
        fd = os.open(testfile, os.O_CREAT | os.O_WRONLY | os.O_DIRECT, 0o600)
        try:
            os.write(fd, buf)
        finally:
            os.close(fd)
        return True
    except OSError:
        return False
    finally:
        buf.close()
        try:
            os.unlink(testfile)
        except OSError:
            pass


class _Laps:
    """Named durations of spawn's steps, for the log line that ends it
    (``launch`` is createWithFlags, ``wait_running`` the poll after it)."""

    def __init__(self):
        self._start = self._last = time.monotonic()
        self.laps = []

    def lap(self, name):
        now = time.monotonic()
        self.laps.append((name, now - self._last))
        self._last = now

    def total(self):
        return self._last - self._start

    def __str__(self):
        return ', '.join('%s=%.3fs' % lap for lap in self.laps)


class LibvirtDriver(driver.ComputeDriver):

    def __init__(self):
        super().__init__()
        self._host = host.Host(self._uri(),
                               lifecycle_event_handler=self.emit_event)
        self.image_cache = imagecache.ImageCache()
        self.image_cache_manager = imagecache.ImageCacheManager(self.image_cache)
        self._fetch = image_download.download   # fetch_func of the image cache
        self._disk_cachemode = None
        self.host_network = linux_net.get_host_networking()

    @staticmethod
    def _uri():
        return CONF.libvirt.connection_uri or 'qemu:///system'

    # -- host -----------------------------------------------------------------
    def init_host(self, host):
        os.makedirs(CONF.instances_path, exist_ok=True)
        self._host.initialize()
        reachable, why = detect.qemu_can_reach(CONF.instances_path)
        if not reachable:
            LOG.warning('%s (QEMU runs as its own user, libvirt-qemu); guests will not '
                        'start: set [DEFAULT] instances_path', why)

    def cleanup_host(self, host):
        self._host.close()

    def _nodename(self):
        try:
            return self._host.get_hostname()
        except Exception:  # noqa: BLE001 - getHostname unsupported
            return CONF.host

    def get_available_nodes(self):
        return [self._nodename()]

    def get_available_resource(self, nodename):
        info = self._host.get_info()
        vcpus, memory_mb = info[2], info[1]
        st = os.statvfs(CONF.instances_path)
        local_gb = st.f_frsize * st.f_blocks // GiB
        free_gb = st.f_frsize * st.f_bavail // GiB
        vcpus_used = 0
        for guest in self._host.list_guests(only_running=True):
            try:
                vcpus_used += guest.domain.info()[3]
            except Exception:  # noqa: BLE001 - domain vanished meanwhile
                pass
        try:
            memory_mb_used = memory_mb - self._host.get_free_memory_mb()
        except Exception:  # noqa: BLE001 - not all drivers report it
            memory_mb_used = 0
        return {
            'vcpus': vcpus,
            'memory_mb': memory_mb,
            'local_gb': local_gb,
            'vcpus_used': vcpus_used,
            'memory_mb_used': max(memory_mb_used, 0),
            'local_gb_used': local_gb - free_gb,
            'disk_available_least': free_gb,
            'hypervisor_type': self._host.get_driver_type(),
            'hypervisor_version': self._host.get_version(),
            'hypervisor_hostname': nodename or self._nodename(),
            'cpu_info': json.dumps(self._host.get_cpu_info()),
            'supported_instances': self._host.get_supported_instances(
                CONF.libvirt.virt_type),
        }

    # -- spawn (seed 3.13) -------------------------------------------------------
    def spawn(self, context, instance, image_meta, injected_files,
              admin_password, allocations, network_info=None,
              block_device_info=None):
        network_info = network_info or []
        laps = _Laps()
        try:
            disk_info = self.get_disk_info(instance, image_meta)
            self._create_image(context, instance, image_meta, disk_info)
            laps.lap('create_image')
            xml = self._get_guest_xml(context, instance, network_info,
                                      disk_info, image_meta)
            laps.lap('guest_xml')
            guest = self._create_domain_and_network(context, xml, instance,
                                                    network_info, laps=laps)
            self._wait_for_running(instance, guest)
            laps.lap('wait_running')
        except Exception:
            LOG.exception('Spawn of instance %s failed; cleaning up',
                          instance.uuid)
            try:
                self._cleanup(instance, network_info=network_info)
            except Exception:  # noqa: BLE001 - keep the original error
                LOG.exception('Cleanup after failed spawn of %s failed',
                              instance.uuid)
            raise
        LOG.info('Instance %s spawned successfully in %.2f s (%s).',
                 instance.uuid, laps.total(), laps)

    def get_disk_info(self, instance, image_meta):
        """Disk bus and device mapping (Nova's blockinfo): the root disk is
        vda on virtio; kernel/ramdisk come from the image properties."""
        props = image_meta.get('properties') or {}
        instance_dir = get_instance_path(instance)
        info = {'disk_bus': 'virtio', 'root_device_name': '/dev/vda',
                'mapping': {'root': {'bus': 'virtio', 'dev': 'vda',
                                     'type': 'disk'},
                            'disk': {'bus': 'virtio', 'dev': 'vda',
                                     'type': 'disk',
                                     'path': os.path.join(instance_dir, 'disk')}}}
        if props.get('kernel_id'):
            info['kernel_id'] = props['kernel_id']
            info['kernel_path'] = os.path.join(instance_dir, 'kernel')
            if props.get('ramdisk_id'):
                info['ramdisk_id'] = props['ramdisk_id']
                info['ramdisk_path'] = os.path.join(instance_dir, 'ramdisk')
        return info

    def _create_image(self, context, instance, image_meta, disk_info):
        instance_dir = get_instance_path(instance)
        os.makedirs(instance_dir, exist_ok=True)
        os.chmod(instance_dir, 0o755)
        disk_path = disk_info['mapping']['disk']['path']
        image_id = image_meta['id']

        with self.image_cache.cached(context, image_id, self._fetch,
                                     image_meta.get('disk_format')) as (base, fmt):
            image_size = imagecache.virtual_size(base)
            root_bytes = (instance.root_gb or 0) * GiB
            if root_bytes and image_size > root_bytes:
                raise exception.FlavorDiskSmallerThanImage(
                    flavor_size=root_bytes, image_size=image_size)
            if not os.path.exists(disk_path):
                imagecache.create_cow_image(base, fmt, disk_path,
                                            max(root_bytes, image_size))
                os.chmod(disk_path, 0o644)
        with open(os.path.join(instance_dir, 'disk.info'), 'w') as f:
            json.dump({disk_path: 'qcow2'}, f)

        # AMI style: kernel and ramdisk are cached (raw) too and linked from
        # the instance directory.
        for kind in ('kernel', 'ramdisk'):
            kind_id = disk_info.get('%s_id' % kind)
            if not kind_id:
                continue
            link = disk_info['%s_path' % kind]
            with self.image_cache.cached(context, kind_id, self._fetch,
                                         'aki' if kind == 'kernel' else 'ari') \
                    as (base, _fmt):
                if os.path.lexists(link):
                    os.unlink(link)
                os.symlink(base, link)

        self._ensure_console_log_for_instance(instance)

    @staticmethod
    def _get_console_log_path(instance):
        return os.path.join(get_instance_path(instance), 'console.log')

    def _ensure_console_log_for_instance(self, instance):
        path = self._get_console_log_path(instance)
        # libvirt (virtlogd for 'pty', libvirtd for 'file') opens and writes
        # it as root; it may hold guest secrets, so it stays private.
        with open(path, 'a'):
            pass
        os.chmod(path, 0o600)

    @property
    def disk_cachemode(self):
        """'none' when ``instances_path`` supports O_DIRECT, else
        'writeback'; probed once (Nova's ``disk_cachemode``)."""
        if self._disk_cachemode is None:
            self._disk_cachemode = ('none' if _supports_direct_io(CONF.instances_path)
                                    else 'writeback')
        return self._disk_cachemode

    # -- guest XML (seed 3.13) ---------------------------------------------------
    def _get_guest_xml(self, context, instance, network_info, disk_info,
                       image_meta):
        conf = self._get_guest_config(context, instance, network_info,
                                      disk_info, image_meta)
        xml = conf.to_xml()
        LOG.debug('Guest XML for %s:\n%s', instance.uuid, xml)
        return xml

    def _get_guest_config(self, context, instance, network_info, disk_info,
                          image_meta):
        virt_type = CONF.libvirt.virt_type
        guest = vconfig.LibvirtConfigGuest()
        guest.virt_type = virt_type
        guest.name = instance.name
        guest.uuid = instance.uuid
        guest.memory = instance.memory_mb * 1024
        guest.vcpus = instance.vcpus
        guest.metadata.append(self._get_guest_meta(context, instance, image_meta))
        guest.sysinfo = vconfig.LibvirtConfigGuestSysinfo(
            manufacturer='OpenStack Foundation', product='OpenStack Nova',
            version=version.version_string(), serial=instance.uuid,
            uuid=instance.uuid, family='Virtual Machine')

        guest.os_type = 'hvm'
        guest.os_mach_type = CONF.libvirt.hw_machine_type
        guest.os_smbios = 'sysinfo'
        if disk_info.get('kernel_path'):
            guest.os_kernel = disk_info['kernel_path']
            guest.os_initrd = disk_info.get('ramdisk_path')
            cmdline = 'root=%s %s' % (disk_info['root_device_name'], CONSOLE)
            extra = (image_meta.get('properties') or {}).get('os_command_line')
            guest.os_cmdline = '%s %s' % (cmdline, extra) if extra else cmdline
        else:
            guest.os_boot_dev = ['hd']

        guest.features = [vconfig.LibvirtConfigGuestFeature('acpi'),
                          vconfig.LibvirtConfigGuestFeature('apic')]
        if virt_type == 'qemu' and CONF.libvirt.tb_cache_mb:
            guest.features.append(
                vconfig.LibvirtConfigGuestFeatureTCG(CONF.libvirt.tb_cache_mb))
        mode = CONF.libvirt.cpu_mode or ('host-model' if virt_type == 'kvm'
                                         else 'none')
        guest.cpu = vconfig.LibvirtConfigGuestCPU(
            mode=None if mode == 'none' else mode, sockets=instance.vcpus)
        guest.clock = vconfig.LibvirtConfigGuestClock('utc')
        guest.clock.timers = [
            vconfig.LibvirtConfigGuestTimer('pit', tickpolicy='delay'),
            vconfig.LibvirtConfigGuestTimer('rtc', tickpolicy='catchup'),
            vconfig.LibvirtConfigGuestTimer('hpet', present=False)]

        root = disk_info['mapping']['disk']
        guest.devices.append(vconfig.LibvirtConfigGuestDisk(
            source_path=root['path'], driver_format='qcow2',
            driver_cache=self.disk_cachemode,
            target_dev=root['dev'], target_bus=root['bus']))
        for vif in network_info:
            guest.devices.append(libvirt_vif.get_config(vif))
        guest.devices.extend(self._get_console_devices(instance))
        guest.devices.append(vconfig.LibvirtConfigMemoryBalloon('virtio', period=10))
        return guest

    def _get_console_devices(self, instance):
        log = self._get_console_log_path(instance)
        if CONF.libvirt.console_type == 'file':
            return [vconfig.LibvirtConfigGuestSerial(char_type='file', source_path=log),
                    vconfig.LibvirtConfigGuestConsole(char_type='file', source_path=log)]
        return [vconfig.LibvirtConfigGuestSerial(char_type='pty', log_file=log),
                vconfig.LibvirtConfigGuestConsole(char_type='pty')]

    @staticmethod
    def _get_guest_meta(context, instance, image_meta):
        meta = vconfig.LibvirtConfigGuestMetaNovaInstance()
        meta.package = version.version_string()
        meta.name = instance.display_name
        created = instance.created_at
        meta.creation_time = (created.strftime('%Y-%m-%d %H:%M:%S') if created
                              else time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime()))
        flavor = instance.flavor or {}
        meta.flavor = vconfig.LibvirtConfigGuestMetaNovaFlavor(
            name=flavor.get('name'), memory=instance.memory_mb,
            disk=instance.root_gb, swap=instance.swap,
            ephemeral=instance.ephemeral_gb, vcpus=instance.vcpus)
        meta.owner = vconfig.LibvirtConfigGuestMetaNovaOwner(
            userid=instance.user_id, projectid=instance.project_id,
            username=getattr(context, 'user_name', None),
            projectname=getattr(context, 'project_name', None))
        meta.root_type = 'image'
        meta.root_uuid = image_meta.get('id')
        return meta

    # -- domain (seed 3.14-3.15) -------------------------------------------------
    def _create_domain_and_network(self, context, xml, instance, network_info,
                                   laps=None):
        # Bridge VIFs: bridge, addresses and DHCP entry first (libvirt makes
        # and enslaves the tap).  No network-vif-plugged events to wait for:
        # the host plugs its own ports.
        laps = laps or _Laps()
        events = self._get_neutron_events(network_info)
        if not events or self.virtapi is None:
            self.plug_vifs(instance, network_info)
            laps.lap('plug_vifs')
            return self._create_domain(xml, laps=laps)
        # Ports a real Neutron reports DOWN: start the guest paused, wait until
        # Neutron says each is plugged (network-vif-plugged through
        # os-server-external-events), then resume it (Nova's
        # _create_guest_with_network).
        guest = None
        try:
            with self.virtapi.wait_for(instance.uuid, events, CONF.vif_plugging_timeout):
                self.plug_vifs(instance, network_info)
                laps.lap('plug_vifs')
                guest = self._create_domain(xml, pause=True, laps=laps)
        except exception.VirtualInterfaceCreateException as e:
            if CONF.vif_plugging_is_fatal or guest is None:
                raise
            LOG.warning('Instance %s: %s; resuming the guest anyway '
                        '(vif_plugging_is_fatal = False)', instance.uuid, e)
        laps.lap('wait_vif_plugged')
        guest.resume()
        laps.lap('resume')
        return guest

    @staticmethod
    def _get_neutron_events(network_info):
        """(event, port id) for each port not yet ACTIVE, when a wait is set."""
        if not CONF.vif_plugging_timeout:
            return []
        return [('network-vif-plugged', vif['id']) for vif in network_info or []
                if vif.get('active', True) is False]

    # -- host networking ---------------------------------------------------------
    def plug_vifs(self, instance, network_info):
        self.host_network.plug_vifs(instance, network_info)

    def unplug_vifs(self, instance, network_info):
        self.host_network.unplug_vifs(instance, network_info)

    def reconcile_vifs(self, network_info_list):
        self.host_network.reconcile(network_info_list)

    def _create_domain(self, xml, pause=False, laps=None):
        laps = laps or _Laps()
        guest = libvirt_guest.Guest.create(xml, self._host)
        laps.lap('define')
        guest.launch(pause=pause)
        laps.lap('launch')
        return guest

    def _wait_for_running(self, instance, guest):
        deadline = time.monotonic() + CONF.libvirt.spawn_timeout
        while True:
            state = self._guest_info(instance, guest).state
            if state == power_state.RUNNING:
                return
            if time.monotonic() >= deadline:
                raise exception.InstanceSpawnTimeout(
                    instance_uuid=instance.uuid,
                    seconds=CONF.libvirt.spawn_timeout)
            time.sleep(SPAWN_POLL_INTERVAL)

    # -- destroy -------------------------------------------------------------------
    def destroy(self, context, instance, network_info=None,
                block_device_info=None, destroy_disks=True):
        self._cleanup(instance, network_info=network_info,
                      destroy_disks=destroy_disks)

    def _cleanup(self, instance, network_info=None, destroy_disks=True):
        try:
            guest = self._host.get_guest(instance)
        except exception.InstanceNotFound:
            guest = None
        if guest is not None:
            guest.poweroff()
            guest.undefine()
        self.unplug_vifs(instance, network_info)
        if destroy_disks:
            shutil.rmtree(get_instance_path(instance), ignore_errors=True)

    # -- queries -------------------------------------------------------------------
    def get_info(self, instance):
        return self._guest_info(instance, self._host.get_guest(instance))

    @staticmethod
    def _guest_info(instance, guest):
        try:
            return driver.InstanceInfo(state=guest.get_power_state())
        except Exception as ex:
            if libvirt_guest.is_no_domain_error(ex):
                raise exception.InstanceNotFound(instance_id=instance.uuid) from ex
            raise

    def list_instance_uuids(self):
        return [g.uuid for g in self._host.list_guests()]

    def get_console_output(self, context, instance):
        path = self._get_console_log_path(instance)
        limit = CONF.libvirt.console_log_max_bytes
        try:
            with open(path, 'rb') as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - limit))
                return f.read(limit)
        except (FileNotFoundError, PermissionError) as ex:
            LOG.debug('No console log for %s: %s', instance.uuid, ex)
            raise exception.ConsoleNotAvailable() from ex

    def manage_image_cache(self, context, all_instances):
        return self.image_cache_manager.update(context, all_instances)
