"""The embedded network service's rows: networks and subnets (with their
allocation pools, DNS servers and host routes).  Ports and their fixed IPs
(IPAM) are in novalite/db/ports.py.

``scope`` is the caller's project, or None for admins and services: a scoped
caller sees its project's networks and the shared ones, and the subnets of
those networks (Neutron's model query with the ``shared`` RBAC entries).
Functions return plain dicts; errors are Neutron's (novalite.network.errors).
"""
import ipaddress
import random
import uuid

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update

from novalite.db import session as db_session
from novalite.db.session import now, reader, row_dict, write_transaction
from novalite.db import models as m
from novalite.network import errors

# many writers race for a subnet's few free addresses: retry often, briefly
retry_on_deadlock = db_session.retry_on_deadlock(
    attempts=20, backoff=lambda attempt: random.uniform(0, 0.01 * (attempt + 1)))


def _apply_filters(q, model, filters):
    for column, values in (filters or {}).items():
        q = q.where(getattr(model, column).in_(values))
    return q


# -- networks ---------------------------------------------------------------------
def _visible_networks(scope):
    q = select(m.Network)
    if scope is not None:
        q = q.where(sa.or_(m.Network.project_id == scope, m.Network.shared.is_(True)))
    return q


def _network_dicts(session, rows):
    rows = list(rows)
    subnets = {r.id: [] for r in rows}
    if rows:
        q = select(m.Subnet.network_id, m.Subnet.id).where(
            m.Subnet.network_id.in_(list(subnets))).order_by(m.Subnet.created_at, m.Subnet.id)
        for net_id, subnet_id in session.execute(q):
            subnets[net_id].append(subnet_id)
    return [dict(row_dict(r), subnets=subnets[r.id]) for r in rows]


def network_get(network_id, scope=None):
    with reader() as session:
        row = session.scalars(_visible_networks(scope).where(m.Network.id == network_id)).first()
        if row is None:
            raise errors.NetworkNotFound(net_id=network_id)
        return _network_dicts(session, [row])[0]


def network_get_all(scope=None, filters=None):
    with reader() as session:
        q = _apply_filters(_visible_networks(scope), m.Network, filters)
        return _network_dicts(session, session.scalars(q.order_by(m.Network.created_at,
                                                                  m.Network.id)))


def network_create(values):
    try:
        with write_transaction() as session:
            row = m.Network(**values)
            session.add(row)
            session.flush()
            return _network_dicts(session, [row])[0]
    except sa_exc.IntegrityError:
        raise errors.FlatNetworkInUse(physical_network=values.get('physical_network'))


def _lock_network(session, network_id, scope=None):
    """Bump the network's revision as the transaction's first statement: the
    row lock (the write lock on SQLite) orders the writes of one network."""
    q = update(m.Network).where(m.Network.id == network_id)
    if scope is not None:
        q = q.where(sa.or_(m.Network.project_id == scope, m.Network.shared.is_(True)))
    res = session.execute(q.values(revision_number=m.Network.revision_number + 1,
                                   updated_at=now()))
    if not res.rowcount:
        raise errors.NetworkNotFound(net_id=network_id)


@retry_on_deadlock
def network_update(network_id, values, scope=None):
    with write_transaction() as session:
        _lock_network(session, network_id, scope)
        if values.get('shared') is False:
            foreign = session.scalar(select(sa.func.count(m.Port.id)).join(
                m.Network, m.Network.id == m.Port.network_id).where(
                m.Port.network_id == network_id, m.Port.project_id != m.Network.project_id))
            if foreign:
                raise errors.InvalidSharedSetting(network=network_id)
        if values:
            session.execute(update(m.Network).where(m.Network.id == network_id).values(
                **values))
        row = session.get(m.Network, network_id, populate_existing=True)
        return _network_dicts(session, [row])[0]


@retry_on_deadlock
def network_delete(network_id, scope=None):
    try:
        with write_transaction() as session:
            _lock_network(session, network_id, scope)
            in_use = list(session.scalars(select(m.Port.id).where(
                m.Port.network_id == network_id).order_by(m.Port.id)))
            if in_use:
                raise errors.NetworkInUse(net_id=network_id, port_ids=','.join(in_use))
            subnet_ids = list(session.scalars(select(m.Subnet.id).where(
                m.Subnet.network_id == network_id)))
            _delete_subnet_rows(session, subnet_ids)
            session.execute(sa.delete(m.Network).where(m.Network.id == network_id))
    except sa_exc.IntegrityError:
        raise errors.NetworkInUse(net_id=network_id, port_ids='')


# -- subnets ----------------------------------------------------------------------
def _visible_subnets(scope):
    q = select(m.Subnet, m.Network.shared).join(m.Network, m.Network.id == m.Subnet.network_id)
    if scope is not None:
        q = q.where(sa.or_(m.Subnet.project_id == scope, m.Network.shared.is_(True)))
    return q


def _subnet_dicts(session, rows):
    rows = list(rows)
    ids = [r.id for r, _shared in rows]
    pools = {i: [] for i in ids}
    dns = {i: [] for i in ids}
    routes = {i: [] for i in ids}
    if ids:
        for p in session.scalars(select(m.IPAllocationPool).where(
                m.IPAllocationPool.subnet_id.in_(ids))):
            pools[p.subnet_id].append({'start': p.first_ip, 'end': p.last_ip})
        for d in session.scalars(select(m.DNSNameServer).where(
                m.DNSNameServer.subnet_id.in_(ids)).order_by(m.DNSNameServer.order)):
            dns[d.subnet_id].append(d.address)
        for r in session.scalars(select(m.SubnetRoute).where(m.SubnetRoute.subnet_id.in_(ids))):
            routes[r.subnet_id].append({'destination': r.destination, 'nexthop': r.nexthop})
    out = []
    for row, shared in rows:
        d = row_dict(row)
        d.update(shared=bool(shared), dns_nameservers=dns[row.id], host_routes=routes[row.id],
                 allocation_pools=sorted(pools[row.id], key=lambda p: _ip_key(p['start'])))
        out.append(d)
    return out


def _ip_key(address):
    return int(ipaddress.ip_address(address))


def subnet_get(subnet_id, scope=None):
    with reader() as session:
        row = session.execute(_visible_subnets(scope).where(m.Subnet.id == subnet_id)).first()
        if row is None:
            raise errors.SubnetNotFound(subnet_id=subnet_id)
        return _subnet_dicts(session, [row])[0]


def subnet_get_all(scope=None, filters=None, shared=None):
    with reader() as session:
        q = _apply_filters(_visible_subnets(scope), m.Subnet, filters)
        if shared is not None:
            q = q.where(m.Network.shared.is_(shared))
        return _subnet_dicts(session, session.execute(
            q.order_by(m.Subnet.created_at, m.Subnet.id)))


def _add_subnet_children(session, subnet_id, pools=None, dns=None, routes=None):
    if pools is not None:
        for start, end in pools:
            session.add(m.IPAllocationPool(id=str(uuid.uuid4()), subnet_id=subnet_id,
                                           first_ip=start, last_ip=end))
    if dns is not None:
        for order, address in enumerate(dns):
            session.add(m.DNSNameServer(subnet_id=subnet_id, address=address, order=order))
    if routes is not None:
        for route in routes:
            session.add(m.SubnetRoute(subnet_id=subnet_id, **route))


@retry_on_deadlock
def subnet_create(values, pools, dns, routes, check_overlap):
    """Insert a subnet under its network's lock; ``check_overlap(cidrs)``
    sees the network's other subnets and raises when the new one overlaps."""
    with write_transaction() as session:
        _lock_network(session, values['network_id'])
        check_overlap(list(session.scalars(select(m.Subnet.cidr).where(
            m.Subnet.network_id == values['network_id']))))
        row = m.Subnet(**values)
        session.add(row)
        session.flush()
        _add_subnet_children(session, row.id, pools, dns, routes)
        session.flush()
        shared = session.scalar(select(m.Network.shared).where(
            m.Network.id == values['network_id']))
        return _subnet_dicts(session, [(row, shared)])[0]


@retry_on_deadlock
def subnet_update(subnet_id, network_id, values, pools=None, dns=None, routes=None):
    with write_transaction() as session:
        _lock_network(session, network_id)
        if 'gateway_ip' in values and values['gateway_ip'] is not None:
            holder = session.scalar(select(m.IPAllocation.port_id).where(
                m.IPAllocation.subnet_id == subnet_id,
                m.IPAllocation.ip_address == values['gateway_ip']))
            if holder:
                raise errors.GatewayIpInUse(ip_address=values['gateway_ip'], port_id=holder)
        session.execute(update(m.Subnet).where(m.Subnet.id == subnet_id).values(
            revision_number=m.Subnet.revision_number + 1, updated_at=now(), **values))
        for model, new in ((m.IPAllocationPool, pools), (m.DNSNameServer, dns),
                           (m.SubnetRoute, routes)):
            if new is not None:
                session.execute(sa.delete(model).where(model.subnet_id == subnet_id))
        session.flush()
        _add_subnet_children(session, subnet_id, pools, dns, routes)
        session.flush()
        row = session.execute(_visible_subnets(None).where(
            m.Subnet.id == subnet_id).execution_options(populate_existing=True)).first()
        return _subnet_dicts(session, [row])[0]


def _delete_subnet_rows(session, subnet_ids):
    if subnet_ids:
        for model in (m.IPAllocationPool, m.DNSNameServer, m.SubnetRoute):
            session.execute(sa.delete(model).where(model.subnet_id.in_(subnet_ids)))
        session.execute(sa.delete(m.Subnet).where(m.Subnet.id.in_(subnet_ids)))


@retry_on_deadlock
def subnet_delete(subnet_id, network_id):
    try:
        with write_transaction() as session:
            _lock_network(session, network_id)
            if session.scalar(select(sa.func.count()).select_from(m.IPAllocation).where(
                    m.IPAllocation.subnet_id == subnet_id)):
                raise errors.SubnetInUse(subnet_id=subnet_id)
            _delete_subnet_rows(session, [subnet_id])
    except sa_exc.IntegrityError:
        raise errors.SubnetInUse(subnet_id=subnet_id)


def usage_counts(project_id):
    """{resource: how many the project owns}, for the quota-details view."""
    with reader() as session:
        return {name: session.scalar(select(sa.func.count()).select_from(model)
                                     .where(model.project_id == project_id))
                for name, model in (('network', m.Network), ('subnet', m.Subnet),
                                    ('port', m.Port))}
