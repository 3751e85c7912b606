"""[libvirt] options (the libvirt driver, novalite/virt/libvirt/)."""
from oslo_config import cfg

group = cfg.OptGroup('libvirt', title='Libvirt driver options')

opts = [
    cfg.StrOpt('virt_type', default='kvm', choices=('kvm', 'qemu'),
               help='Domain type: "kvm" (hardware virtualisation) or "qemu" '
                    '(TCG software emulation, where KVM is absent).'),
    cfg.StrOpt('connection_uri', default='',
               help='libvirt URI. Empty means qemu:///system.'),
    cfg.StrOpt('hw_machine_type', default='pc',
               help='QEMU machine type of x86 guests (<os><type machine=...>). '
                    'Nova still defaults to "pc" (i440FX).'),
    cfg.StrOpt('cpu_mode', default=None,
               choices=('host-model', 'host-passthrough', 'none'),
               help='Guest CPU model mode. Unset means "host-model" for '
                    'virt_type=kvm and "none" (QEMU\'s default CPU) for '
                    'virt_type=qemu, as in Nova.'),
    cfg.IntOpt('tb_cache_mb', default=32, min=0,
               help='Size of the TCG translation block cache in MiB, for '
                    'virt_type=qemu (<features><tcg><tb-cache>, libvirt >= '
                    '8.0). Without it QEMU 7.x reserves 1 GiB per guest; '
                    'with 32 MiB a small guest stays near 180 MiB RSS. '
                    '0 leaves QEMU\'s default.'),
    cfg.IntOpt('spawn_timeout', default=60, min=1,
               help='Seconds spawn() waits, after starting the domain, for it '
                    'to reach RUNNING before failing with '
                    'InstanceSpawnTimeout and cleaning up.'),
    cfg.IntOpt('console_log_max_bytes', default=100 * 1024, min=1,
               help='get_console_output returns at most this many bytes: the '
                    'tail of the console log (Nova\'s MAX_CONSOLE_BYTES).'),
    cfg.StrOpt('console_type', default='pty', choices=('pty', 'file'),
               help='Serial console backend. "pty": a pty with '
                    '<log file=console.log append=off> written by virtlogd '
                    '(Nova\'s layout). "file": QEMU writes console.log itself.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return {group.name: opts}
