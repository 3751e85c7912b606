"""A compute host's resource report: all its nodes in one transaction.

One novalite-compute may present many nodes (the fake driver presents
``[fake_driver] nodes``; Ironic-like drivers do the same), so the periodic
report (the resource tracker's ``update_available_resource``) is one call and
one transaction for the whole host, whatever its node count:

* one SELECT reads the host's node rows together with the usage recounted
  from the instances holding a claim on them (one statement, one snapshot);
* the new nodes are inserted in one multi-row INSERT, the nodes whose
  capacity changed are updated in one executemany; unchanged nodes are not
  written at all;
* usage that drifted from the claims is set back, each row only if it still
  holds what the SELECT saw (a claim committed meanwhile wins; the next
  report repairs that row).
"""
import json
import uuid as uuidlib

from oslo_config import cfg
from sqlalchemy import and_, bindparam, func, insert, select, update

from novalite.db.session import now, writer
from novalite.db import models as m

CONF = cfg.CONF

# the columns a report writes, besides usage
CAPACITY = ('vcpus', 'memory_mb', 'local_gb', 'hypervisor_type', 'hypervisor_version',
            'cpu_info', 'supported_instances', 'host_ip', 'cpu_allocation_ratio',
            'ram_allocation_ratio', 'disk_allocation_ratio', 'service_id')
USAGE = ('vcpus_used', 'memory_mb_used', 'local_gb_used', 'running_vms')
# what a report answers per node (the resource tracker's "final resource view")
SUMMARY = ('id', 'uuid', 'hypervisor_hostname', 'vcpus', 'vcpus_used', 'memory_mb',
           'memory_mb_used', 'local_gb', 'local_gb_used', 'running_vms')


def capacity_values(resources, ratios, service_id):
    """The compute node columns a driver's ``get_available_resource`` sets."""
    cpu_info = resources.get('cpu_info')
    return {
        'vcpus': resources['vcpus'], 'memory_mb': resources['memory_mb'],
        'local_gb': resources['local_gb'],
        'hypervisor_type': resources.get('hypervisor_type'),
        'hypervisor_version': resources.get('hypervisor_version'),
        'cpu_info': cpu_info if isinstance(cpu_info, str) else json.dumps(cpu_info or {}),
        'supported_instances': json.dumps(resources.get('supported_instances') or []),
        'host_ip': CONF.my_ip if resources.get('host_ip') is None else resources['host_ip'],
        'cpu_allocation_ratio': ratios['cpu'], 'ram_allocation_ratio': ratios['ram'],
        'disk_allocation_ratio': ratios['disk'], 'service_id': service_id,
    }


def _current(session, host, names):
    """{nodename: row} of the host's live nodes in ``names``, each row with its
    stored capacity and usage and the usage recounted from the claims."""
    cn, inst = m.ComputeNode, m.Instance
    mine = select(cn.id).where(cn.host == host, cn.deleted == 0)
    claims = (select(inst.compute_id.label('node_id'),
                     func.sum(inst.vcpus).label('v'), func.sum(inst.memory_mb).label('mem'),
                     func.sum(inst.root_gb + inst.ephemeral_gb).label('disk'),
                     func.count(inst.id).label('n'))
              .where(inst.deleted == 0, inst.compute_id.in_(mine))
              .group_by(inst.compute_id).subquery())
    cols = [getattr(cn, c) for c in ('id', 'uuid', 'hypervisor_hostname') + CAPACITY + USAGE]
    q = (select(*cols, claims.c.v, claims.c.mem, claims.c.disk, claims.c.n)
         .outerjoin(claims, claims.c.node_id == cn.id)
         .where(cn.host == host, cn.deleted == 0))
    wanted = set(names)
    return {r.hypervisor_hostname: r for r in session.execute(q)
            if r.hypervisor_hostname in wanted}


def _recounted(row, reserved):
    return {'vcpus_used': reserved['vcpus'] + (row.v or 0),
            'memory_mb_used': reserved['memory_mb'] + (row.mem or 0),
            'local_gb_used': reserved['disk_gb'] + (row.disk or 0),
            'running_vms': row.n or 0}


def _insert(session, host, new, reserved, ts):
    rows = []
    for name, values in new:
        used = {'vcpus_used': reserved['vcpus'], 'memory_mb_used': reserved['memory_mb'],
                'local_gb_used': reserved['disk_gb'], 'running_vms': 0}
        rows.append(dict(values, **used, uuid=str(uuidlib.uuid4()), host=host,
                         hypervisor_hostname=name, created_at=ts, deleted=0,
                         free_ram_mb=values['memory_mb'] - used['memory_mb_used'],
                         free_disk_gb=values['local_gb'] - used['local_gb_used'],
                         stats='{}', current_workload=0, mapped=0))
    if rows:
        session.execute(insert(m.ComputeNode), rows)


def _update_capacity(session, changed, ts):
    """One executemany: new capacity, free space from the (unchanged) usage."""
    if not changed:
        return
    cn = m.ComputeNode.__table__
    stmt = update(cn).where(cn.c.id == bindparam('b_id')).values(
        updated_at=ts, free_ram_mb=bindparam('memory_mb') - cn.c.memory_mb_used,
        free_disk_gb=bindparam('local_gb') - cn.c.local_gb_used,
        **{c: bindparam(c) for c in CAPACITY})
    session.connection().execute(stmt, [dict(v, b_id=i) for i, v in changed])


def _repair_usage(session, drifted, ts):
    """Usage back to the recount, only where the row still holds ``seen``."""
    if not drifted:
        return
    cn = m.ComputeNode.__table__
    stmt = update(cn).where(and_(cn.c.id == bindparam('b_id'),
                                 *[cn.c[c] == bindparam('seen_' + c) for c in USAGE])).values(
        updated_at=ts, free_ram_mb=cn.c.memory_mb - bindparam('memory_mb_used'),
        free_disk_gb=cn.c.local_gb - bindparam('local_gb_used'),
        **{c: bindparam(c) for c in USAGE})
    session.connection().execute(stmt, [
        dict(used, b_id=i, **{'seen_' + c: v for c, v in seen.items()})
        for i, seen, used in drifted])


def compute_nodes_report(host, nodes, reserved, ratios, service_id):
    """Create or refresh the rows of ``nodes`` (the driver's resources per
    node) of ``host`` and recount their usage from the claims, in one
    transaction.  Returns a summary per node (``SUMMARY``), in ``nodes``'
    order.  ``reserved`` is {'memory_mb', 'vcpus', 'disk_gb'}; ``ratios``
    {'cpu', 'ram', 'disk'}."""
    ts = now()
    # a node named twice counts once (its last report)
    wanted = list({res['hypervisor_hostname']: capacity_values(res, ratios, service_id)
                   for res in nodes}.items())
    with writer() as session:
        current = _current(session, host, [n for n, _v in wanted])
        new = [(n, v) for n, v in wanted if n not in current]
        changed, drifted = [], []
        for name, values in wanted:
            row = current.get(name)
            if row is None:
                continue
            if any(getattr(row, c) != values[c] for c in CAPACITY):
                changed.append((row.id, values))
            used = _recounted(row, reserved)
            seen = {c: getattr(row, c) for c in USAGE}
            if used != seen:
                drifted.append((row.id, seen, used))
        _insert(session, host, new, reserved, ts)
        _update_capacity(session, changed, ts)
        _repair_usage(session, drifted, ts)
        cn = m.ComputeNode
        q = select(*[getattr(cn, c) for c in SUMMARY]).where(
            cn.host == host, cn.deleted == 0)
        summary = {r.hypervisor_hostname: r._asdict() for r in session.execute(q)}
    return [summary[n] for n, _v in wanted if n in summary]
