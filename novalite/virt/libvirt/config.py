"""Config objects for the libvirt domain XML (Nova's virt/libvirt/config.py).

Each class holds plain attributes and knows how to turn itself into an
``xml.etree.ElementTree`` element (``format_dom``); ``to_xml()`` serialises
it.  The driver builds a tree of these objects, never XML strings by hand.
"""
import xml.etree.ElementTree as ET

NOVA_NS = 'http://openstack.org/xmlns/libvirt/nova/1.1'
NOVA_PREFIX = 'nova'


def _sub(parent, tag, text=None, **attrs):
    """Append a child element with string attributes (None ones skipped)."""
    el = ET.SubElement(parent, tag, {k: str(v) for k, v in attrs.items()
                                     if v is not None})
    if text is not None:
        el.text = str(text)
    return el


class LibvirtConfigObject:
    root_name = None

    def format_dom(self):
        return ET.Element(self.root_name)

    def to_xml(self, pretty=True):
        root = self.format_dom()
        if pretty:
            ET.indent(root)
        return ET.tostring(root, encoding='unicode')


# -- <metadata><nova:instance> ---------------------------------------------
class _NovaElement(LibvirtConfigObject):
    """Elements in the nova: namespace, written with the ``nova:`` prefix as
    Nova writes them (the xmlns declaration sits on ``nova:instance``)."""

    @staticmethod
    def _tag(name):
        return '%s:%s' % (NOVA_PREFIX, name)


class LibvirtConfigGuestMetaNovaFlavor(_NovaElement):
    def __init__(self, name=None, memory=None, disk=None, swap=None,
                 ephemeral=None, vcpus=None):
        self.name, self.memory, self.disk = name, memory, disk
        self.swap, self.ephemeral, self.vcpus = swap, ephemeral, vcpus

    def format_dom(self):
        el = ET.Element(self._tag('flavor'), {'name': str(self.name)})
        for field in ('memory', 'disk', 'swap', 'ephemeral', 'vcpus'):
            _sub(el, self._tag(field), getattr(self, field) or 0)
        return el


class LibvirtConfigGuestMetaNovaOwner(_NovaElement):
    def __init__(self, userid=None, username=None, projectid=None,
                 projectname=None):
        self.userid, self.username = userid, username
        self.projectid, self.projectname = projectid, projectname

    def format_dom(self):
        el = ET.Element(self._tag('owner'))
        _sub(el, self._tag('user'), self.username or self.userid or '',
             uuid=self.userid)
        _sub(el, self._tag('project'), self.projectname or self.projectid or '',
             uuid=self.projectid)
        return el


class LibvirtConfigGuestMetaNovaInstance(_NovaElement):
    def __init__(self):
        self.package = None
        self.name = None
        self.creation_time = None   # text, '%Y-%m-%d %H:%M:%S'
        self.flavor = None          # LibvirtConfigGuestMetaNovaFlavor
        self.owner = None           # LibvirtConfigGuestMetaNovaOwner
        self.root_type = None
        self.root_uuid = None

    def format_dom(self):
        el = ET.Element(self._tag('instance'), {'xmlns:' + NOVA_PREFIX: NOVA_NS})
        if self.package is not None:
            _sub(el, self._tag('package'), version=self.package)
        if self.name is not None:
            _sub(el, self._tag('name'), self.name)
        if self.creation_time is not None:
            _sub(el, self._tag('creationTime'), self.creation_time)
        if self.flavor is not None:
            el.append(self.flavor.format_dom())
        if self.owner is not None:
            el.append(self.owner.format_dom())
        if self.root_type is not None:
            _sub(el, self._tag('root'), type=self.root_type, uuid=self.root_uuid)
        return el


# -- <sysinfo>, <os>, <features>, <cpu>, <clock> ---------------------------------
class LibvirtConfigGuestSysinfo(LibvirtConfigObject):
    root_name = 'sysinfo'

    def __init__(self, manufacturer=None, product=None, version=None,
                 serial=None, uuid=None, family=None):
        self.system = [('manufacturer', manufacturer), ('product', product),
                       ('version', version), ('serial', serial),
                       ('uuid', uuid), ('family', family)]

    def format_dom(self):
        el = ET.Element('sysinfo', {'type': 'smbios'})
        system = _sub(el, 'system')
        for name, value in self.system:
            if value is not None:
                _sub(system, 'entry', value, name=name)
        return el


class LibvirtConfigGuestFeature(LibvirtConfigObject):
    def __init__(self, name):
        self.root_name = name

    def format_dom(self):
        return ET.Element(self.root_name)


class LibvirtConfigGuestFeatureTCG(LibvirtConfigGuestFeature):
    """<tcg><tb-cache unit='MiB'>N</tb-cache></tcg> (libvirt >= 8.0)."""

    def __init__(self, cache_size_mb):
        super().__init__('tcg')
        self.cache_size_mb = cache_size_mb

    def format_dom(self):
        el = ET.Element('tcg')
        _sub(el, 'tb-cache', self.cache_size_mb, unit='MiB')
        return el


class LibvirtConfigGuestCPU(LibvirtConfigObject):
    root_name = 'cpu'

    def __init__(self, mode=None, sockets=1, cores=1, threads=1):
        self.mode = mode
        self.sockets, self.cores, self.threads = sockets, cores, threads

    def format_dom(self):
        el = ET.Element('cpu')
        if self.mode:
            el.set('mode', self.mode)
            if self.mode == 'host-model':
                el.set('match', 'exact')
        _sub(el, 'topology', sockets=self.sockets, cores=self.cores,
             threads=self.threads)
        return el


class LibvirtConfigGuestTimer(LibvirtConfigObject):
    root_name = 'timer'

    def __init__(self, name, tickpolicy=None, present=None):
        self.name, self.tickpolicy, self.present = name, tickpolicy, present

    def format_dom(self):
        present = None if self.present is None else ('yes' if self.present else 'no')
        return ET.Element('timer', {k: v for k, v in (
            ('name', self.name), ('tickpolicy', self.tickpolicy),
            ('present', present)) if v is not None})


class LibvirtConfigGuestClock(LibvirtConfigObject):
    root_name = 'clock'

    def __init__(self, offset='utc'):
        self.offset = offset
        self.timers = []

    def format_dom(self):
        el = ET.Element('clock', {'offset': self.offset})
        for timer in self.timers:
            el.append(timer.format_dom())
        return el


# -- devices -------------------------------------------------------------------
class LibvirtConfigGuestDisk(LibvirtConfigObject):
    root_name = 'disk'

    def __init__(self, source_path=None, driver_format='qcow2',
                 driver_cache=None, target_dev='vda', target_bus='virtio',
                 source_device='disk'):
        self.source_type = 'file'
        self.source_device = source_device
        self.source_path = source_path
        self.driver_name = 'qemu'
        self.driver_format = driver_format
        self.driver_cache = driver_cache
        self.target_dev = target_dev
        self.target_bus = target_bus

    def format_dom(self):
        el = ET.Element('disk', {'type': self.source_type,
                                 'device': self.source_device})
        _sub(el, 'driver', name=self.driver_name, type=self.driver_format,
             cache=self.driver_cache)
        _sub(el, 'source', file=self.source_path)
        _sub(el, 'target', dev=self.target_dev, bus=self.target_bus)
        return el


class LibvirtConfigGuestInterface(LibvirtConfigObject):
    """A NIC: net_type 'user', 'bridge' or 'network'; a bridge NIC with
    ``vporttype`` 'openvswitch' is a port of an Open vSwitch bridge, named by
    its ``interfaceid`` (the Neutron port id, which OVN matches)."""
    root_name = 'interface'

    def __init__(self, net_type='user', mac_addr=None, model='virtio',
                 source_dev=None, target_dev=None, mtu=None, vporttype=None,
                 interfaceid=None):
        self.vporttype, self.interfaceid = vporttype, interfaceid
        self.net_type = net_type
        self.mac_addr = mac_addr
        self.model = model
        self.source_dev = source_dev   # bridge name or libvirt network name
        self.target_dev = target_dev
        self.mtu = mtu

    def format_dom(self):
        el = ET.Element('interface', {'type': self.net_type})
        if self.mac_addr:
            _sub(el, 'mac', address=self.mac_addr)
        if self.net_type == 'bridge':
            _sub(el, 'source', bridge=self.source_dev)
            if self.vporttype:
                vport = _sub(el, 'virtualport', type=self.vporttype)
                _sub(vport, 'parameters', interfaceid=self.interfaceid)
        elif self.net_type == 'network':
            _sub(el, 'source', network=self.source_dev)
        if self.target_dev:
            _sub(el, 'target', dev=self.target_dev)
        if self.model:
            _sub(el, 'model', type=self.model)
        if self.mtu:
            _sub(el, 'mtu', size=self.mtu)
        return el


class LibvirtConfigGuestCharBase(LibvirtConfigObject):
    """<serial>/<console>: type 'pty' (with an optional virtlogd <log>) or
    'file' (QEMU writes source_path itself)."""

    def __init__(self, root_name, char_type='pty', source_path=None,
                 log_file=None, log_append=False, target_port=0,
                 target_type=None):
        self.root_name = root_name
        self.type = char_type
        self.source_path = source_path
        self.log_file = log_file
        self.log_append = log_append
        self.target_port = target_port
        self.target_type = target_type

    def format_dom(self):
        el = ET.Element(self.root_name, {'type': self.type})
        if self.type == 'file':
            _sub(el, 'source', path=self.source_path)
        if self.log_file:
            _sub(el, 'log', file=self.log_file,
                 append='on' if self.log_append else 'off')
        _sub(el, 'target', type=self.target_type, port=self.target_port)
        return el


def LibvirtConfigGuestSerial(**kwargs):
    return LibvirtConfigGuestCharBase('serial', **kwargs)


def LibvirtConfigGuestConsole(**kwargs):
    kwargs.setdefault('target_type', 'serial')
    return LibvirtConfigGuestCharBase('console', **kwargs)


class LibvirtConfigMemoryBalloon(LibvirtConfigObject):
    root_name = 'memballoon'

    def __init__(self, model='virtio', period=None):
        self.model, self.period = model, period

    def format_dom(self):
        el = ET.Element('memballoon', {'model': self.model})
        if self.period and self.model != 'none':
            _sub(el, 'stats', period=self.period)
        return el


# -- <domain> -----------------------------------------------------------------
class LibvirtConfigGuest(LibvirtConfigObject):
    root_name = 'domain'

    def __init__(self):
        self.virt_type = None
        self.uuid = None
        self.name = None
        self.memory = 128 * 1024      # KiB
        self.vcpus = 1
        self.metadata = []            # e.g. [LibvirtConfigGuestMetaNovaInstance]
        self.sysinfo = None
        self.os_type = 'hvm'
        self.os_arch = None
        self.os_mach_type = None
        self.os_kernel = None
        self.os_initrd = None
        self.os_cmdline = None
        self.os_boot_dev = []         # ['hd']
        self.os_smbios = None         # 'sysinfo'
        self.features = []
        self.cpu = None
        self.clock = None
        self.on_poweroff = 'destroy'
        self.on_reboot = 'restart'
        self.on_crash = 'destroy'
        self.devices = []

    def _format_os(self, root):
        os_el = _sub(root, 'os')
        _sub(os_el, 'type', self.os_type, arch=self.os_arch,
             machine=self.os_mach_type)
        if self.os_kernel is not None:
            _sub(os_el, 'kernel', self.os_kernel)
        if self.os_initrd is not None:
            _sub(os_el, 'initrd', self.os_initrd)
        if self.os_cmdline is not None:
            _sub(os_el, 'cmdline', self.os_cmdline)
        for dev in self.os_boot_dev:
            _sub(os_el, 'boot', dev=dev)
        if self.os_smbios is not None:
            _sub(os_el, 'smbios', mode=self.os_smbios)

    def format_dom(self):
        root = ET.Element('domain', {'type': self.virt_type})
        _sub(root, 'uuid', self.uuid)
        _sub(root, 'name', self.name)
        _sub(root, 'memory', self.memory)
        _sub(root, 'vcpu', self.vcpus)
        if self.metadata:
            meta = _sub(root, 'metadata')
            for m in self.metadata:
                meta.append(m.format_dom())
        if self.sysinfo is not None:
            root.append(self.sysinfo.format_dom())
        self._format_os(root)
        if self.features:
            feats = _sub(root, 'features')
            for f in self.features:
                feats.append(f.format_dom())
        if self.cpu is not None:
            root.append(self.cpu.format_dom())
        if self.clock is not None:
            root.append(self.clock.format_dom())
        _sub(root, 'on_poweroff', self.on_poweroff)
        _sub(root, 'on_reboot', self.on_reboot)
        _sub(root, 'on_crash', self.on_crash)
        devices = _sub(root, 'devices')
        for dev in self.devices:
            devices.append(dev.format_dom())
        return root
