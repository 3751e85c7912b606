"""novalite-manage: database, flavors, images, services, hosts.

    novalite-manage [--config-file FILE] db sync
    novalite-manage flavor create [--id ID] --ram MB --vcpus N --disk GB [--ephemeral GB]
                                  [--swap MB] [--private] NAME
    novalite-manage flavor list
    novalite-manage image import [--property k=v ...] [--disk-format F] NAME FILE
    novalite-manage image list
    novalite-manage service list
    novalite-manage service enrol [--key-file PATH] BINARY HOST [BINARY HOST ...]
    novalite-manage service trusted-keys [--output PATH]
    novalite-manage service rabbit-permissions [--vhost V] [--apply]
    novalite-manage host list
    novalite-manage server timeline SERVER_ID
"""
import argparse
import shlex
import subprocess
import sys
import uuid

from oslo_config import cfg

from novalite.cmd import common
from novalite import context as nl_context
from novalite.db import actions as db_actions
from novalite.db import catalog as db_catalog
from novalite.db import hosts as db_hosts
from novalite.db import migration
from novalite.image import api as image_api
from novalite.security import broker
from novalite.security import keys as sec_keys

CONF = cfg.CONF


def _table(headers, rows):
    rows = [[('' if v is None else str(v)) for v in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+'
    out = [line, '| ' + ' | '.join(h.ljust(w) for h, w in zip(headers, widths)) + ' |', line]
    out += ['| ' + ' | '.join(v.ljust(w) for v, w in zip(r, widths)) + ' |' for r in rows]
    out.append(line)
    print('\n'.join(out))


def db_sync(args):
    migration.db_sync()
    print('Database is at revision %s' % migration.db_version())


def flavor_create(args):
    flavor = db_catalog.flavor_create({
        'flavorid': args.id or str(uuid.uuid4()), 'name': args.name, 'memory_mb': args.ram,
        'vcpus': args.vcpus, 'root_gb': args.disk, 'ephemeral_gb': args.ephemeral,
        'swap': args.swap, 'is_public': not args.private, 'description': args.description})
    print(flavor['flavorid'])


def flavor_list(args):
    _table(['ID', 'Name', 'RAM', 'Disk', 'Ephemeral', 'VCPUs', 'Is Public'],
           [[f['flavorid'], f['name'], f['memory_mb'], f['root_gb'], f['ephemeral_gb'],
             f['vcpus'], f['is_public']] for f in db_catalog.flavor_get_all(is_public=None)])


def image_import(args):
    props = {}
    for item in args.property or []:
        key, sep, value = item.partition('=')
        if not sep:
            raise SystemExit('--property takes key=value, not %r' % item)
        props[key] = value
    image = image_api.import_file(nl_context.get_admin_context(), args.name, args.file,
                                  properties=props, disk_format=args.disk_format,
                                  min_ram=args.min_ram, min_disk=args.min_disk)
    print(image['id'])


def image_list(args):
    _table(['ID', 'Name', 'Status', 'Disk Format', 'Size'],
           [[i['id'], i['name'], i['status'], i['disk_format'], i['size']]
            for i in image_api.get_all(None)])


def service_list(args):
    _table(['Id', 'Binary', 'Host', 'Zone', 'Status', 'State', 'Updated At'],
           [[s['id'], s['binary'], s['host'], CONF.default_availability_zone,
             'disabled' if s['disabled'] else 'enabled', 'up' if s['up'] else 'down',
             s['last_seen_up']] for s in db_hosts.service_get_all()])


def service_enrol(args):
    pairs = [(args.binary, args.host)] + list(zip(args.more[::2], args.more[1::2]))
    if len(args.more) % 2 or (args.key_file and args.more):
        raise SystemExit('enrol takes BINARY HOST pairs; --key-file only with one pair')
    for binary, host in pairs:
        if binary not in sec_keys.BINARIES:
            raise SystemExit('unknown binary %s (one of %s)' % (binary,
                                                              ', '.join(sec_keys.BINARIES)))
        path = sec_keys.enrol(binary, host, args.key_file)
        print('Enrolled %s@%s; private key written to %s (mode 0600): install it on that '
              'host, readable only by the service user' % (binary, host, path))
    if any(b in sec_keys.CONTROL_PLANE for b, _h in pairs):
        print('Run "novalite-manage service trusted-keys" again and copy the file to '
              'every compute host')


def service_trusted_keys(args):
    path, count = sec_keys.write_trusted_keys(args.output)
    print('%d control-plane public keys written to %s' % (count, path))


def service_rabbit_permissions(args):
    from novalite.db import service_keys as db_keys
    services = [(r['binary'], r['host']) for r in db_keys.service_key_get_all()]
    for cmd in broker.commands(services, args.vhost):
        if args.apply:
            res = subprocess.run(['rabbitmqctl'] + cmd, capture_output=True, text=True)
            if res.returncode != 0 and 'already exists' not in res.stderr:
                raise SystemExit('rabbitmqctl %s: %s' % (cmd[0], res.stderr.strip()))
        print('rabbitmqctl ' + ' '.join(shlex.quote(c) for c in cmd))


def host_list(args):
    _table(['Host', 'Node', 'vCPUs used/total', 'RAM MB used/total', 'Disk GB used/total',
            'Instances', 'Ratios cpu/ram/disk'],
           [[n['host'], n['hypervisor_hostname'], '%s/%s' % (n['vcpus_used'], n['vcpus']),
             '%s/%s' % (n['memory_mb_used'], n['memory_mb']),
             '%s/%s' % (n['local_gb_used'], n['local_gb']), n['running_vms'],
             '%s/%s/%s' % (n['cpu_allocation_ratio'], n['ram_allocation_ratio'],
                           n['disk_allocation_ratio'])]
            for n in db_hosts.compute_node_get_all()])


def server_timeline(args):
    """The build steps of a server from its create action's events: host,
    start, duration and result of each, in order."""
    actions = [a for a in db_actions.actions_get(args.server) if a['action'] == 'create']
    if not actions:
        raise SystemExit('No create action recorded for server %s' % args.server)
    action = actions[-1]
    t0 = action['start_time']
    events = sorted(db_actions.action_events_get(action['id']),
                    key=lambda e: (e['start_time'], e['id']))
    print('server %s, request %s, POST at %s' % (args.server, action['request_id'], t0))
    _table(['Step', 'Host', 'Starts at +s', 'Takes s', 'Result'],
           [[e['event'], e['host'], '%.3f' % (e['start_time'] - t0).total_seconds(),
             '%.3f' % (e['finish_time'] - e['start_time']).total_seconds()
             if e['finish_time'] else 'running', e['result']] for e in events])


def build_parser():
    p = argparse.ArgumentParser(prog='novalite-manage')
    p.add_argument('--config-file', action='append', default=[])
    p.add_argument('--config-dir', action='append', default=[])
    sub = p.add_subparsers(dest='category', required=True)

    db = sub.add_parser('db').add_subparsers(dest='action', required=True)
    db.add_parser('sync').set_defaults(func=db_sync)

    fl = sub.add_parser('flavor').add_subparsers(dest='action', required=True)
    fc = fl.add_parser('create')
    fc.add_argument('--id')
    fc.add_argument('--ram', type=int, required=True, help='MB')
    fc.add_argument('--vcpus', type=int, required=True)
    fc.add_argument('--disk', type=int, default=0, help='GB')
    fc.add_argument('--ephemeral', type=int, default=0, help='GB')
    fc.add_argument('--swap', type=int, default=0, help='MB')
    fc.add_argument('--private', action='store_true')
    fc.add_argument('--description')
    fc.add_argument('name')
    fc.set_defaults(func=flavor_create)
    fl.add_parser('list').set_defaults(func=flavor_list)

    im = sub.add_parser('image').add_subparsers(dest='action', required=True)
    ii = im.add_parser('import')
    ii.add_argument('--property', action='append', metavar='KEY=VALUE')
    ii.add_argument('--disk-format', choices=['raw', 'qcow2', 'aki', 'ari', 'ami'])
    ii.add_argument('--min-ram', type=int, default=0)
    ii.add_argument('--min-disk', type=int, default=0)
    ii.add_argument('name')
    ii.add_argument('file')
    ii.set_defaults(func=image_import)
    im.add_parser('list').set_defaults(func=image_list)

    sv = sub.add_parser('service').add_subparsers(dest='action', required=True)
    sv.add_parser('list').set_defaults(func=service_list)
    se = sv.add_parser('enrol', help='create the key pair of a service')
    se.add_argument('--key-file', help='where to write the private key')
    se.add_argument('binary', choices=sec_keys.BINARIES)
    se.add_argument('host')
    se.add_argument('more', nargs='*', metavar='BINARY HOST', help='more pairs')
    se.set_defaults(func=service_enrol)
    st = sv.add_parser('trusted-keys', help="write the control plane's public keys "
                                            'for compute hosts')
    st.add_argument('--output')
    st.set_defaults(func=service_trusted_keys)
    sr = sv.add_parser('rabbit-permissions', help='RabbitMQ users and permissions of '
                                                  'the enrolled services')
    sr.add_argument('--vhost', default='/')
    sr.add_argument('--apply', action='store_true', help='run the rabbitmqctl commands')
    sr.set_defaults(func=service_rabbit_permissions)
    sub.add_parser('host').add_subparsers(dest='action', required=True) \
        .add_parser('list').set_defaults(func=host_list)
    tl = sub.add_parser('server').add_subparsers(dest='action', required=True) \
        .add_parser('timeline', help='the build steps of a server, with host and durations')
    tl.add_argument('server', help='server id')
    tl.set_defaults(func=server_timeline)
    return p


def main(argv=None):
    argv = list(sys.argv if argv is None else argv)
    args = build_parser().parse_args(argv[1:])
    conf_argv = [argv[0]]
    for f in args.config_file:
        conf_argv += ['--config-file', f]
    for d in args.config_dir:
        conf_argv += ['--config-dir', d]
    common.parse_args(conf_argv)
    try:
        args.func(args)
    except Exception as e:  # noqa: BLE001 - a CLI prints the error, not a traceback
        from novalite import exception
        if isinstance(e, exception.NovaliteException):
            raise SystemExit('ERROR: %s' % e.format_message())
        raise
