"""Host tables: service heartbeats, compute nodes and the atomic claim.

The claim (seed 3.12, ``rt.instance_claim``) is one conditional UPDATE of the
compute node row: two builds racing for the last slot cannot both win.
"""
import datetime
import json
import logging
import time
import uuid as uuidlib

import sqlalchemy as sa
from oslo_config import cfg
from sqlalchemy import func, select, update

from novalite.db.session import (core_writer, now, reader, retry_on_deadlock, row_dict,
                                 write_transaction, writer)
from novalite.db import models as m
from novalite.db import node_report
from novalite.db import oneshot
from novalite import exception

CONF = cfg.CONF
LOG = logging.getLogger(__name__)


NEW_SERVICE_DISABLED = 'New service disabled due to config option.'


# -- services ------------------------------------------------------------------
@retry_on_deadlock
def service_heartbeat(host, binary, topic):
    """Create the service row if needed and record a heartbeat; return it."""
    ts = now()
    with writer() as session:
        q = update(m.Service).where(m.Service.host == host, m.Service.binary == binary,
                                    m.Service.deleted == 0)
        if session.execute(q.values(report_count=m.Service.report_count + 1,
                                    last_seen_up=ts, updated_at=ts)).rowcount == 0:
            new_disabled = binary == 'novalite-compute' and not CONF.enable_new_services
            session.add(m.Service(uuid=str(uuidlib.uuid4()), host=host, binary=binary,
                                  topic=topic, report_count=1, last_seen_up=ts,
                                  disabled=new_disabled,
                                  disabled_reason=NEW_SERVICE_DISABLED if new_disabled
                                  else None))
    return service_get(host, binary)


def conductor_heartbeat(host):
    """A conductor's heartbeat.  Compute heartbeats reach the database only
    through a conductor (over the broker), so while no conductor reports none
    can arrive: computes are judged as of the last conductor report meanwhile
    (service_is_up), and when a conductor reports again after such a gap, the
    computes that were up when it began are judged from now on (they get
    ``service_down_time`` again) instead of all looking down."""
    ts = now()
    newest = _newest_conductor_report(cached=False)
    if newest is not None and ts - newest > _conductor_gap():
        alive_then = newest + _conductor_gap() - datetime.timedelta(
            seconds=CONF.service_down_time)
        with writer() as session:
            n = session.execute(update(m.Service).where(
                m.Service.binary == 'novalite-compute', m.Service.deleted == 0,
                m.Service.last_seen_up >= alive_then).values(last_seen_up=ts)).rowcount
        if n:
            LOG.info('No conductor reported for %.0f s: %d compute services judged from now',
                     (ts - newest).total_seconds(), n)
    return service_heartbeat(host, 'novalite-conductor', 'conductor')


def _conductor_gap():
    return datetime.timedelta(seconds=2 * CONF.report_interval)


_NEWEST_CONDUCTOR = {'at': 0.0, 'value': None}


def _newest_conductor_report(cached=True):
    """The newest conductor heartbeat (read at most once a second)."""
    if cached and time.monotonic() - _NEWEST_CONDUCTOR['at'] < 1.0:
        return _NEWEST_CONDUCTOR['value']
    with reader() as session:
        newest = session.scalar(select(func.max(m.Service.last_seen_up)).where(
            m.Service.binary == 'novalite-conductor', m.Service.deleted == 0))
    _NEWEST_CONDUCTOR.update(at=time.monotonic(), value=newest)
    return newest


def service_get(host, binary):
    with reader() as session:
        row = session.scalars(select(m.Service).where(
            m.Service.host == host, m.Service.binary == binary, m.Service.deleted == 0)).first()
        return _service_dict(row) if row is not None else None


def service_get_by_uuid(service_uuid):
    with reader() as session:
        row = session.scalars(select(m.Service).where(
            m.Service.uuid == service_uuid, m.Service.deleted == 0)).first()
        if row is None:
            raise exception.ServiceNotFound(service_id=service_uuid)
        return _service_dict(row)


def service_is_up(service, at=None):
    last = service.get('last_seen_up') or service.get('updated_at') or service.get('created_at')
    if service.get('forced_down') or last is None:
        return False
    at = at or now()
    if service.get('binary') == 'novalite-compute':
        newest = _newest_conductor_report()
        if newest is not None:      # no conductor reports: judged as of the last one
            at = min(at, newest + _conductor_gap())
    return (at - last) <= datetime.timedelta(seconds=CONF.service_down_time)


def _service_dict(row):
    d = row_dict(row)
    d['up'] = service_is_up(d)
    return d


def service_get_all(binary=None, host=None):
    with reader() as session:
        q = select(m.Service).where(m.Service.deleted == 0)
        if binary:
            q = q.where(m.Service.binary == binary)
        if host:
            q = q.where(m.Service.host == host)
        return [_service_dict(r) for r in session.scalars(q.order_by(m.Service.id))]


def service_update(host, binary, values):
    with writer() as session:
        session.execute(update(m.Service).where(
            m.Service.host == host, m.Service.binary == binary, m.Service.deleted == 0)
            .values(updated_at=now(), **values))


# -- compute nodes ---------------------------------------------------------
_NODE_JSON = ('cpu_info', 'supported_instances', 'stats')


def _node_dict(row):
    d = row_dict(row)
    for col in _NODE_JSON:
        if isinstance(d.get(col), str) and d[col][:1] in '[{':
            d[col] = json.loads(d[col])
    return d


def compute_nodes_report(host, nodes, reserved, ratios):
    """All of a host's node reports in one transaction (``node_report``):
    create or refresh each node's row and recount its usage from the
    instances claimed on it.  Returns a summary dict per node."""
    service = service_get(host, 'novalite-compute')
    return node_report.compute_nodes_report(host, nodes, reserved, ratios,
                                            service['id'] if service else None)


def compute_node_report(host, resources, reserved, ratios):
    """One node's report (conductor RPC 4.0); returns the node row.

    ``reserved`` is {'memory_mb', 'vcpus', 'disk_gb'}; ``ratios`` is
    {'cpu', 'ram', 'disk'} allocation ratios.
    """
    summary = compute_nodes_report(host, [resources], reserved, ratios)[0]
    with reader() as session:
        return _node_dict(session.get(m.ComputeNode, summary['id']))


def compute_node_get_all(host=None):
    with reader() as session:
        q = select(m.ComputeNode).where(m.ComputeNode.deleted == 0)
        if host is not None:
            q = q.where(m.ComputeNode.host == host)
        return [_node_dict(r) for r in session.scalars(q.order_by(m.ComputeNode.id))]


def compute_nodes_get_with_services(node_id=None, node_uuid=None, hostname_like=None):
    """(node, compute service) pairs ordered by node id, optionally one node
    (by integer id or uuid) or the nodes whose hypervisor_hostname contains
    ``hostname_like``; a node without a live service has ``None``."""
    with reader() as session:
        q = select(m.ComputeNode, m.Service).outerjoin(
            m.Service, sa.and_(m.Service.host == m.ComputeNode.host,
                               m.Service.binary == 'novalite-compute',
                               m.Service.deleted == 0)).where(m.ComputeNode.deleted == 0)
        if node_id is not None:
            q = q.where(m.ComputeNode.id == node_id)
        if node_uuid is not None:
            q = q.where(m.ComputeNode.uuid == node_uuid)
        if hostname_like is not None:
            q = q.where(m.ComputeNode.hypervisor_hostname.contains(hostname_like,
                                                                   autoescape=True))
        return [(_node_dict(n), _service_dict(s) if s is not None else None)
                for n, s in session.execute(q.order_by(m.ComputeNode.id))]


# what the scheduler reads of a node (HostState)
NODE_STATE = ('id', 'host', 'hypervisor_hostname', 'vcpus', 'memory_mb', 'local_gb',
              'vcpus_used', 'memory_mb_used', 'local_gb_used', 'running_vms',
              'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio')


_I, _CN, _SVC = m.Instance.__table__, m.ComputeNode.__table__, m.Service.__table__
_COMPUTE_SERVICES = select(_SVC).where(_SVC.c.binary == 'novalite-compute',
                                       _SVC.c.deleted == 0)
_NODE_STATES = select(*[_CN.c[c] for c in NODE_STATE]).where(_CN.c.deleted == 0).order_by(
    _CN.c.id)


def compute_node_states():
    """The scheduler's read: ({host: compute service dict}, node rows with
    only the ``NODE_STATE`` columns, by id).  Two plain Core SELECTs built
    once, without a transaction on PostgreSQL (db/oneshot.py), whatever
    the number of nodes; a service is judged up once, not once per node."""
    with oneshot.connection() as conn:
        services = {}
        for row in conn.execute(_COMPUTE_SERVICES).mappings():
            service = dict(row)
            service['up'] = service_is_up(service)
            services[service['host']] = service
        nodes = conn.execute(_NODE_STATES).all()
    return services, nodes


# -- the claim ----------------------------------------------------------------
# The claim's statements, built once (see db.instance_saves.save_statement).
_NODE_ID = select(_CN.c.id).where(_CN.c.host == sa.bindparam('host'),
                                  _CN.c.hypervisor_hostname == sa.bindparam('nodename'),
                                  _CN.c.deleted == 0)
# the instances locked, each row with the id of the node (None: no such node)
_CLAIM_ROWS = select(*[_I.c[c] for c in ('id', 'uuid', 'host', 'compute_id', 'vcpus',
                                         'memory_mb', 'root_gb', 'ephemeral_gb')],
                     _NODE_ID.scalar_subquery().label('node_id')).where(
    _I.c.uuid.in_(sa.bindparam('uuids', expanding=True)), _I.c.deleted == 0).with_for_update()
_CONSUME = update(_CN).where(
    _CN.c.id == sa.bindparam('b_node_id'),
    _CN.c.vcpus_used + sa.bindparam('b_v') <= _CN.c.vcpus * _CN.c.cpu_allocation_ratio,
    _CN.c.memory_mb_used + sa.bindparam('b_mem') <= _CN.c.memory_mb * _CN.c.ram_allocation_ratio,
    _CN.c.local_gb_used + sa.bindparam('b_disk') <= _CN.c.local_gb * _CN.c.disk_allocation_ratio,
).values(vcpus_used=_CN.c.vcpus_used + sa.bindparam('b_v'),
         memory_mb_used=_CN.c.memory_mb_used + sa.bindparam('b_mem'),
         local_gb_used=_CN.c.local_gb_used + sa.bindparam('b_disk'),
         running_vms=_CN.c.running_vms + sa.bindparam('b_count'),
         free_ram_mb=_CN.c.free_ram_mb - sa.bindparam('b_mem'),
         free_disk_gb=_CN.c.free_disk_gb - sa.bindparam('b_disk'),
         updated_at=sa.bindparam('b_ts'))
_CLAIMED = update(_I).where(_I.c.id.in_(sa.bindparam('b_ids', expanding=True))).values(
    compute_id=sa.bindparam('b_node_id'), node=sa.bindparam('b_nodename'),
    launched_on=sa.bindparam('b_host'), updated_at=sa.bindparam('b_ts'))


def _sizes(inst_row):
    return inst_row.vcpus, inst_row.memory_mb, inst_row.root_gb + inst_row.ephemeral_gb


def instance_claim(instance_uuid, host, nodename):
    """Claim the instance's flavor on node ``nodename`` of ``host``.

    One conditional UPDATE consumes vcpus, RAM and disk within the allocation
    ratios; in the same transaction the instance gets host/node/compute_id.
    Raises ComputeResourcesUnavailable when the node is full,
    InstanceNotFound when the instance is gone (deleted meanwhile) and
    NotAllowedByHost when it was not scheduled to ``host``.
    Returns the node row after the claim.
    """
    with write_transaction() as session:
        error = instance_claims_in(session.connection(), [instance_uuid], host,
                                   nodename)[instance_uuid]
        if error is not None:
            raise error
        return _node_dict(_node(session, host, nodename))


def _node(session, host, nodename):
    return session.scalars(select(m.ComputeNode).where(
        m.ComputeNode.host == host, m.ComputeNode.hypervisor_hostname == nodename,
        m.ComputeNode.deleted == 0)).first()


def _consume(conn, node_id, v, mem, disk, count):
    """The claim's one conditional UPDATE: ``count`` instances' vcpus, RAM
    and disk, only within the allocation ratios.  True when it fitted."""
    return conn.execute(_CONSUME, {'b_node_id': node_id, 'b_v': v, 'b_mem': mem,
                                   'b_disk': disk, 'b_count': count,
                                   'b_ts': now()}).rowcount == 1


def release_claim(session, inst_row):
    """Give back the instance's claim, exactly once (compute_id is the marker)."""
    node_id = inst_row.compute_id
    if node_id is None:
        return False
    v, mem, disk = _sizes(inst_row)
    released = session.execute(update(m.Instance).where(
        m.Instance.id == inst_row.id, m.Instance.compute_id == node_id)
        .values(compute_id=None)).rowcount
    if released != 1:
        return False
    cn = m.ComputeNode
    session.execute(update(cn).where(cn.id == node_id).values(
        vcpus_used=cn.vcpus_used - v, memory_mb_used=cn.memory_mb_used - mem,
        local_gb_used=cn.local_gb_used - disk, running_vms=cn.running_vms - 1,
        free_ram_mb=cn.free_ram_mb + mem, free_disk_gb=cn.free_disk_gb + disk,
        updated_at=now()))
    return True


def abort_instance_claim(instance_uuid, host=None):
    """Release the instance's claim (if any) and unset its node."""
    with writer() as session:
        q = select(m.Instance).where(m.Instance.uuid == instance_uuid).with_for_update()
        inst = session.scalars(q).first()
        if inst is None:
            return False
        if host is not None and inst.host != host:
            raise exception.NotAllowedByHost(host=host, instance_uuid=instance_uuid)
        released = release_claim(session, inst)
        session.execute(update(m.Instance).where(m.Instance.id == inst.id).values(node=None))
        return released


def instance_claims(instance_uuids, host, nodename):
    """``instance_claims_in`` in a transaction of its own."""
    with core_writer(immediate=True) as conn:
        return instance_claims_in(conn, instance_uuids, host, nodename)


def instance_claims_in(conn, instance_uuids, host, nodename, written=None):
    """Claim a batch of instances on node ``nodename`` of ``host``, on the
    caller's connection (in its transaction): {uuid: None (claimed) or the
    exception ``instance_claim`` raises}.  ``written`` (a dict), when given,
    gets {uuid: the instance columns the claim set} for each claimed one.

    The instance rows are locked first, read with the node's id (SELECT ...
    FOR UPDATE: a repeated claim, a call retried while its first try still
    runs, waits and then sees them claimed).  One conditional UPDATE
    consumes the sum of their flavors and one UPDATE gives them
    host/node/compute_id; when the sum does not fit, each is claimed on its
    own, so that what fits still builds and the rest is refused as before.
    A refused claim writes nothing.
    """
    params = {'uuids': list(instance_uuids), 'host': host, 'nodename': nodename}
    rows = {r.uuid: r for r in conn.execute(_CLAIM_ROWS, params)}
    # the node's id rides on every row (None: no such node; no row: no instance)
    node_id = next((r.node_id for r in rows.values()), None)
    results, todo = {}, []
    for uuid in instance_uuids:
        inst = rows.get(uuid)
        if inst is None:
            results[uuid] = exception.InstanceNotFound(instance_id=uuid)
        elif inst.host != host:
            results[uuid] = exception.NotAllowedByHost(host=host, instance_uuid=uuid)
        elif node_id is None:
            results[uuid] = exception.ComputeResourcesUnavailable(
                reason='unknown node %s' % nodename)
        elif inst.compute_id == node_id:
            results[uuid] = None             # already claimed here (idempotent)
            if written is not None:
                # as the first claim set them (the node is this host's)
                written[uuid] = {'compute_id': node_id, 'node': nodename, 'launched_on': host}
        else:
            todo.append(inst)
    sizes = [_sizes(i) for i in todo]
    if len(todo) > 1 and _consume(conn, node_id, *(sum(s) for s in zip(*sizes)), len(todo)):
        _claimed(conn, todo, node_id, nodename, host, written)
        results.update((i.uuid, None) for i in todo)
        return results
    for inst, (v, mem, disk) in zip(todo, sizes):
        if _consume(conn, node_id, v, mem, disk, 1):
            _claimed(conn, [inst], node_id, nodename, host, written)
            results[inst.uuid] = None
        else:
            results[inst.uuid] = exception.ComputeResourcesUnavailable(
                reason='node %s has not %d vCPU, %d MB RAM and %d GB disk free'
                       % (nodename, v, mem, disk))
    return results


def _claimed(conn, rows, node_id, nodename, host, written=None):
    """The claimed instances (locked by this transaction) on their node;
    what was set goes in ``written`` too, when given."""
    ts = now()
    conn.execute(_CLAIMED, {'b_ids': [r.id for r in rows], 'b_node_id': node_id,
                            'b_nodename': nodename, 'b_host': host, 'b_ts': ts})
    if written is not None:
        for r in rows:
            written[r.uuid] = {'compute_id': node_id, 'node': nodename, 'launched_on': host,
                               'updated_at': ts}
