"""``novalite-manage node install controller|compute``: set up a node as a
package would.

- the system user and group ``novalite`` (home /var/lib/novalite);
- /etc/novalite (root:novalite 0750) with novalite.conf and policy.yaml;
  a compute's config has no [database] section (computes reach the database
  only through the conductor);
- /var/lib/novalite (the state path, owned by novalite);
- the systemd units of the node's services (api, conductor, scheduler on a
  controller; compute on a compute) in /etc/systemd/system, their ExecStart
  pointing at this installation's scripts, enabled (and started with
  ``--start``);
- on a controller, the database schema (``db sync``, as user novalite), the
  control plane's service keys (``service enrol``, under /var/lib/novalite/keys)
  and the trusted-keys file computes need;
- on a compute, the key an admin enrolled for it on the controller and the
  controller's trusted-keys file (``--key-file``, ``--trusted-keys-file``),
  installed readable only by novalite (doc/security.md).
"""
import grp
import os
import pwd
import shutil
import socket
import subprocess
import sys

ROLES = {
    'controller': ('novalite-api', 'novalite-conductor', 'novalite-scheduler'),
    'compute': ('novalite-compute',),
}
ETC = '/etc/novalite'
STATE = '/var/lib/novalite'
UNIT_DIR = '/etc/systemd/system'
_SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _data_dir(*parts):
    """Installed data files (share/novalite, etc/novalite under the prefix),
    or the source tree's etc/ for an editable install."""
    installed = os.path.join(sys.prefix, *parts)
    if os.path.isdir(installed):
        return installed
    return os.path.join(_SRC, 'etc', parts[-1])


def unit_text(name, bin_dir):
    with open(os.path.join(_data_dir('share', 'novalite', 'systemd'), name + '.service')) as f:
        text = f.read()
    return text.replace('/usr/local/bin/', bin_dir.rstrip('/') + '/')


def config_text(role, options):
    """novalite.conf for ``role``; ``options`` maps 'group.name' (or 'name'
    for DEFAULT) to a value."""
    groups = {'DEFAULT': {'state_path': STATE}}
    if role == 'controller':
        groups['oslo_policy'] = {'policy_file': os.path.join(ETC, 'policy.yaml')}
    for key, value in options.items():
        group, _, name = key.rpartition('.')
        groups.setdefault(group or 'DEFAULT', {})[name] = value
    if role == 'compute' and 'database' in groups:
        raise SystemExit('ERROR: a compute node has no [database] section: computes '
                         'reach the database only through the conductor')
    lines = []
    for group, opts in groups.items():
        lines.append('[%s]' % group)
        lines += ['%s = %s' % kv for kv in opts.items()]
        lines.append('')
    return '\n'.join(lines)


def _run(*cmd):
    subprocess.run(cmd, check=True)


def _ensure_user():
    try:
        pwd.getpwnam('novalite')
    except KeyError:
        _run('useradd', '--system', '--user-group', '--home-dir', STATE,
             '--shell', '/usr/sbin/nologin', '--comment', 'novalite services', 'novalite')
    pw = pwd.getpwnam('novalite')
    return pw.pw_uid, pw.pw_gid


def _write(path, text, mode, uid=0, gid=0):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write(text)
    os.chown(tmp, uid, gid)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _manage_as_novalite(bin_dir, conf, *args):
    _run('setpriv', '--reuid=novalite', '--regid=novalite', '--init-groups',
         os.path.join(bin_dir, 'novalite-manage'), '--config-file', conf, *args)


def _install_compute_keys(host, key_file, trusted_keys_file, uid, gid):
    """The compute's own private key and the control plane's public keys,
    where the compute looks for them by default (state_path/keys)."""
    if not key_file or not trusted_keys_file:
        raise SystemExit('ERROR: a compute needs --key-file (its key, from "novalite-manage '
                         'service enrol novalite-compute %s --key-file ..." on the '
                         'controller) and --trusted-keys-file (from "novalite-manage service '
                         'trusted-keys" there)' % host)
    keys = os.path.join(STATE, 'keys')
    os.makedirs(keys, exist_ok=True)
    os.chown(keys, uid, gid)
    os.chmod(keys, 0o700)
    for src, name, mode in ((key_file, 'novalite-compute.%s.key' % host, 0o600),
                            (trusted_keys_file, 'trusted_keys.json', 0o644)):
        with open(src) as f:
            _write(os.path.join(keys, name), f.read(), mode, uid, gid)


def install(role, options, bin_dir=None, start=False, systemctl=True, key_file=None,
            trusted_keys_file=None):
    bin_dir = bin_dir or os.path.dirname(os.path.abspath(sys.argv[0]))
    uid, gid = _ensure_user()
    os.makedirs(ETC, exist_ok=True)
    os.chown(ETC, 0, gid)
    os.chmod(ETC, 0o750)
    os.makedirs(STATE, exist_ok=True)
    os.chown(STATE, uid, gid)
    os.chmod(STATE, 0o750 if role == 'controller' else 0o755)
    conf = os.path.join(ETC, 'novalite.conf')
    _write(conf, config_text(role, options), 0o640, 0, gid)
    if role == 'controller':
        policy = os.path.join(ETC, 'policy.yaml')
        if not os.path.exists(policy):
            shutil.copy(os.path.join(_data_dir('etc', 'novalite'), 'policy.yaml.sample'),
                        policy)
            os.chown(policy, 0, gid)
            os.chmod(policy, 0o640)
    units = ROLES[role]
    for name in units:
        _write(os.path.join(UNIT_DIR, name + '.service'), unit_text(name, bin_dir), 0o644)
    host = options.get('host') or socket.gethostname()
    if role == 'compute':
        _libvirt_dropin()
        _install_compute_keys(host, key_file, trusted_keys_file, uid, gid)
    if role == 'controller':
        _manage_as_novalite(bin_dir, conf, 'db', 'sync')
        enrol = [x for binary in units for x in (binary, host)]
        _manage_as_novalite(bin_dir, conf, 'service', 'enrol', *enrol)
        _manage_as_novalite(bin_dir, conf, 'service', 'trusted-keys')
    if systemctl:
        _run('systemctl', 'daemon-reload')
        _run('systemctl', 'enable', *['%s.service' % u for u in units])
        if start:
            _run('systemctl', 'start', *['%s.service' % u for u in units])
    return units


def _libvirt_dropin():
    """The compute talks to qemu:///system through the libvirt socket
    (root:libvirt 0770): join group libvirt when it exists."""
    try:
        grp.getgrnam('libvirt')
    except KeyError:
        return
    d = os.path.join(UNIT_DIR, 'novalite-compute.service.d')
    os.makedirs(d, exist_ok=True)
    _write(os.path.join(d, 'libvirt.conf'), '[Service]\nSupplementaryGroups=libvirt\n', 0o644)


def add_parser(sub):
    node = sub.add_parser('node').add_subparsers(dest='action', required=True)
    ni = node.add_parser('install', help='Set up this machine as a controller or a '
                                         'compute node (user, /etc/novalite, units).')
    ni.add_argument('role', choices=sorted(ROLES))
    ni.add_argument('--set', action='append', default=[], metavar='[GROUP.]OPTION=VALUE',
                    help='An option of novalite.conf, e.g. '
                         'DEFAULT.transport_url=rabbit://... or '
                         'database.connection=postgresql+psycopg://...')
    ni.add_argument('--bin-dir', help='Where the novalite-* scripts are (default: '
                                      'beside this novalite-manage).')
    ni.add_argument('--start', action='store_true', help='Also start the units.')
    ni.add_argument('--key-file', help='compute: its private key, enrolled on the controller')
    ni.add_argument('--trusted-keys-file',
                    help="compute: the controller's trusted-keys file")
    ni.add_argument('--no-systemctl', action='store_true',
                    help='Write files only (no daemon-reload, enable, start).')
    ni.set_defaults(func=_install_cmd, needs_config=False)


def _install_cmd(args):
    options = {}
    for item in args.set:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit('ERROR: --set wants [GROUP.]OPTION=VALUE, got %r' % item)
        options[key.replace('DEFAULT.', '', 1) if key.startswith('DEFAULT.') else key] = value
    units = install(args.role, options, args.bin_dir, args.start, not args.no_systemctl,
                    args.key_file, args.trusted_keys_file)
    print('novalite %s installed: %s' % (args.role, ' '.join(units)))
