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

from novalite.db.session import (now, reader, retry_on_deadlock, row_dict, write_transaction,
                                 writer)
from novalite.db import models as m
from novalite.db import node_report
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


def compute_node_states():
    """The scheduler's read: ({host: compute service dict}, node rows with
    only the ``NODE_STATE`` columns, by id).  Two plain SELECTs whatever the
    number of nodes; a service is judged up once, not once per node."""
    cn = m.ComputeNode.__table__
    with reader() as session:
        services = {s.host: _service_dict(s) for s in session.scalars(select(m.Service).where(
            m.Service.binary == 'novalite-compute', m.Service.deleted == 0))}
        # Core, not ORM: plain rows, no per-row ORM bookkeeping
        nodes = session.connection().execute(select(*[cn.c[c] for c in NODE_STATE])
                                             .where(cn.c.deleted == 0)
                                             .order_by(cn.c.id)).all()
    return services, nodes


# -- the claim ----------------------------------------------------------------
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
        # the row lock makes a repeated claim (a call retried while its first
        # try still runs on another conductor) wait, then see it claimed
        inst = session.scalars(select(m.Instance).where(
            m.Instance.uuid == instance_uuid, m.Instance.deleted == 0).with_for_update()).first()
        if inst is None:
            raise exception.InstanceNotFound(instance_id=instance_uuid)
        if inst.host != host:
            raise exception.NotAllowedByHost(host=host, instance_uuid=instance_uuid)
        node = _node(session, host, nodename)
        if node is None:
            raise exception.ComputeResourcesUnavailable(reason='unknown node %s' % nodename)
        if inst.compute_id == node.id:
            return _node_dict(node)          # already claimed here (idempotent)
        v, mem, disk = _sizes(inst)
        cn = m.ComputeNode
        if not _consume(session, node.id, v, mem, disk, 1):
            raise exception.ComputeResourcesUnavailable(
                reason='node %s has not %d vCPU, %d MB RAM and %d GB disk free'
                       % (nodename, v, mem, disk))
        session.execute(update(m.Instance).where(m.Instance.id == inst.id).values(
            compute_id=node.id, node=nodename, launched_on=host, updated_at=now()))
        return _node_dict(session.get(cn, node.id, populate_existing=True))


def _node(session, host, nodename):
    return session.scalars(select(m.ComputeNode).where(
        m.ComputeNode.host == host, m.ComputeNode.hypervisor_hostname == nodename,
        m.ComputeNode.deleted == 0)).first()


def _consume(session, node_id, v, mem, disk, count):
    """The claim's one conditional UPDATE: ``count`` instances' vcpus, RAM
    and disk, only within the allocation ratios.  True when it fitted."""
    cn = m.ComputeNode
    return session.execute(update(cn).where(
        cn.id == node_id,
        cn.vcpus_used + v <= cn.vcpus * cn.cpu_allocation_ratio,
        cn.memory_mb_used + mem <= cn.memory_mb * cn.ram_allocation_ratio,
        cn.local_gb_used + disk <= cn.local_gb * cn.disk_allocation_ratio,
    ).values(vcpus_used=cn.vcpus_used + v, memory_mb_used=cn.memory_mb_used + mem,
             local_gb_used=cn.local_gb_used + disk, running_vms=cn.running_vms + count,
             free_ram_mb=cn.free_ram_mb - mem, free_disk_gb=cn.free_disk_gb - disk,
             updated_at=now())).rowcount == 1


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


class _BatchDoesNotFit(Exception):
    """Rolls back a batch claim that cannot be taken as a whole."""


def instance_claims(instance_uuids, host, nodename):
    """Claim a batch of instances on node ``nodename`` of ``host``:
    {uuid: None (claimed) or the exception ``instance_claim`` would raise}.

    One conditional UPDATE consumes the sum of their flavors, and the
    instances get host/node/compute_id, in one transaction.  When the sum
    does not fit (or an instance changed meanwhile), each is claimed on its
    own, so that what fits still builds and the rest is refused as today.
    """
    results = {}
    try:
        todo = _claim_batch(instance_uuids, host, nodename, results)
    except _BatchDoesNotFit:
        todo, results = list(instance_uuids), {}
    for uuid in todo:
        try:
            instance_claim(uuid, host, nodename)
            results[uuid] = None
        except (exception.ComputeResourcesUnavailable, exception.InstanceNotFound,
                exception.NotAllowedByHost) as exc:
            results[uuid] = exc
    return results


def _claim_batch(instance_uuids, host, nodename, results):
    """The all-or-nothing claim; fills ``results``, returns the uuids left
    to claim one by one (none when it worked), raises _BatchDoesNotFit."""
    if len(instance_uuids) < 2:
        return list(instance_uuids)
    with writer() as session:
        rows = {r.uuid: r for r in session.scalars(select(m.Instance).where(
            m.Instance.uuid.in_(list(instance_uuids)), m.Instance.deleted == 0))}
        node = _node(session, host, nodename)
        if node is None:
            return list(instance_uuids)     # each refused with its reason
        todo = []
        for uuid in instance_uuids:
            inst = rows.get(uuid)
            if inst is None:
                results[uuid] = exception.InstanceNotFound(instance_id=uuid)
            elif inst.host != host:
                results[uuid] = exception.NotAllowedByHost(host=host, instance_uuid=uuid)
            elif inst.compute_id == node.id:
                results[uuid] = None         # already claimed here (idempotent)
            else:
                todo.append(inst)
        if not todo:
            return []
        v, mem, disk = (sum(s) for s in zip(*(_sizes(i) for i in todo)))
        if not _consume(session, node.id, v, mem, disk, len(todo)):
            raise _BatchDoesNotFit()
        moved = session.execute(update(m.Instance).where(
            m.Instance.id.in_([i.id for i in todo]), m.Instance.host == host,
            m.Instance.deleted == 0, m.Instance.compute_id.is_(None)).values(
            compute_id=node.id, node=nodename, launched_on=host, updated_at=now())).rowcount
        if moved != len(todo):
            raise _BatchDoesNotFit()         # one changed meanwhile: one by one
        for inst in todo:
            results[inst.uuid] = None
        return []
