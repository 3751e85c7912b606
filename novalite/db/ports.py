"""Ports and their fixed IPs: IPAM in SQL.

Uniqueness is the database's job: an address is unique on its network
(``uniq_ipallocations0network_id0ip_address``) and a MAC on its network
(``uniq_ports0network_id0mac_address``).  An allocation picks a free-looking
address, inserts it in a savepoint, and on IntegrityError (someone else got
it first) remembers it as taken and picks again; it never checks and then
inserts.  Whole transactions the database aborts as deadlock victims are run
again (session.retry_on_deadlock, with the many short retries of network.py).

``scope`` is the caller's project, or None for admins and services: a scoped
caller sees its own ports and the ports on its networks.
"""
import ipaddress
import json
import random

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, update

from novalite.db.session import now, reader, row_dict
from novalite.db import models as m
from novalite.db.network import retry_on_deadlock
from novalite.db.session import write_transaction
from novalite.network import errors

MAC_RETRIES = 16
CANDIDATES = 16          # pick at random among the first free addresses
ROUTER_OWNERS = ('network:router_interface', 'network:router_interface_distributed',
                 'network:ha_router_replicated_interface', 'network:router_gateway')


def random_mac():
    return 'fa:16:3e:%02x:%02x:%02x' % tuple(random.randint(0, 255) for _ in range(3))


# -- reads ------------------------------------------------------------------------
def _visible_ports(scope):
    q = select(m.Port)
    if scope is not None:
        q = q.join(m.Network, m.Network.id == m.Port.network_id).where(
            sa.or_(m.Port.project_id == scope, m.Network.project_id == scope))
    return q


def _port_dicts(session, rows):
    rows = list(rows)
    ips = {r.id: [] for r in rows}
    if rows:
        for a in session.scalars(select(m.IPAllocation).where(
                m.IPAllocation.port_id.in_(list(ips)))):
            ips[a.port_id].append({'subnet_id': a.subnet_id, 'ip_address': a.ip_address})
    out = []
    for r in rows:
        d = row_dict(r)
        d['binding_vif_details'] = json.loads(r.binding_vif_details or '{}')
        d['binding_profile'] = json.loads(r.binding_profile or '{}')
        d['fixed_ips'] = sorted(ips[r.id], key=lambda a: (
            ipaddress.ip_address(a['ip_address']).version,
            int(ipaddress.ip_address(a['ip_address']))))
        out.append(d)
    return out


def port_get(port_id, scope=None):
    with reader() as session:
        row = session.scalars(_visible_ports(scope).where(m.Port.id == port_id)).first()
        if row is None:
            raise errors.PortNotFound(port_id=port_id)
        return _port_dicts(session, [row])[0]


def port_get_all(scope=None, filters=None, fixed_ips=None):
    """``filters``: {column: [values]}; ``fixed_ips``: {'ip_address': [...],
    'subnet_id': [...], 'ip_address_substr': [...]} matched on one allocation."""
    with reader() as session:
        q = _visible_ports(scope)
        for column, values in (filters or {}).items():
            q = q.where(getattr(m.Port, column).in_(values))
        if fixed_ips:
            sub = select(m.IPAllocation.port_id)
            if fixed_ips.get('ip_address'):
                sub = sub.where(m.IPAllocation.ip_address.in_(fixed_ips['ip_address']))
            if fixed_ips.get('subnet_id'):
                sub = sub.where(m.IPAllocation.subnet_id.in_(fixed_ips['subnet_id']))
            for substr in fixed_ips.get('ip_address_substr') or []:
                sub = sub.where(m.IPAllocation.ip_address.contains(substr, autoescape=True))
            q = q.where(m.Port.id.in_(sub))
        return _port_dicts(session, session.scalars(q.order_by(m.Port.created_at, m.Port.id)))


# -- IPAM -------------------------------------------------------------------------
def _subnets_of(session, network_id):
    subnets = list(session.scalars(select(m.Subnet).where(
        m.Subnet.network_id == network_id).order_by(m.Subnet.created_at, m.Subnet.id)))
    pools = {s.id: [] for s in subnets}
    if subnets:
        for p in session.scalars(select(m.IPAllocationPool).where(
                m.IPAllocationPool.subnet_id.in_(list(pools)))):
            pools[p.subnet_id].append((int(ipaddress.ip_address(p.first_ip)),
                                       int(ipaddress.ip_address(p.last_ip))))
    return [(s, sorted(pools[s.id])) for s in subnets]


def _host_address(subnet, address):
    """Whether ``address`` may be a host's on ``subnet`` (inside it, not its
    network or IPv4 broadcast address)."""
    net = ipaddress.ip_network(subnet.cidr)
    ip = ipaddress.ip_address(address)
    if ip not in net or ip == net.network_address and net.num_addresses > 2:
        return False
    return not (net.version == 4 and net.prefixlen < 31 and ip == net.broadcast_address)


def _check_address(subnet, address, device_owner):
    """A requested address: inside the subnet, not its network or broadcast
    address, and the gateway only for a router's port."""
    ip = ipaddress.ip_address(address)
    if not _host_address(subnet, address):
        raise errors.InvalidIpForSubnet(ip_address=address)
    if (subnet.gateway_ip and ip == ipaddress.ip_address(subnet.gateway_ip)
            and device_owner not in ROUTER_OWNERS):
        raise errors.IpAddressAlreadyAllocated(ip=address, subnet_id=subnet.id)
    return str(ip)


def _resolve(network_id, subnets, requested, device_owner):
    """[(subnet, address or None)] for the requested fixed_ips, as Neutron
    checks them; ``requested`` None means one address of the network."""
    by_id = {s.id: (s, pools) for s, pools in subnets}
    if requested is None:
        return [(s, None) for s, _pools in subnets]     # tried in order, see _auto
    out = []
    for entry in requested:
        subnet_id, address = entry.get('subnet_id'), entry.get('ip_address')
        if subnet_id is not None:
            if subnet_id not in by_id:
                raise errors.InvalidInput(error_message=(
                    'Failed to create port on network %s, because fixed_ips included '
                    'invalid subnet %s' % (network_id, subnet_id)))
            subnet = by_id[subnet_id][0]
        elif address is not None:
            found = [s for s, _p in subnets if _host_address(s, address)]
            if not found:
                raise errors.InvalidIpForNetwork(ip_address=address)
            subnet = found[0]
        else:
            raise errors.InvalidInput(error_message='IP allocation requires subnet_id or '
                                                    'ip_address')
        out.append((subnet, None if address is None else
                    _check_address(subnet, address, device_owner)))
    return out


def _insert(session, port, subnet, address):
    """Insert one allocation in a savepoint; False when the address is taken."""
    try:
        with session.begin_nested():
            session.add(m.IPAllocation(ip_address=address, subnet_id=subnet.id,
                                       network_id=port.network_id, port_id=port.id))
        return True
    except sa_exc.IntegrityError:
        return False


def _candidates(subnet, pools, taken):
    """The first CANDIDATES free addresses of the pools, walked lazily (a /8
    pool is never enumerated)."""
    gateway = int(ipaddress.ip_address(subnet.gateway_ip)) if subnet.gateway_ip else None
    version = ipaddress.ip_network(subnet.cidr).version
    found = []
    for first, last in pools:
        value = first
        while value <= last and len(found) < CANDIDATES:
            if value not in taken and value != gateway:
                found.append(value)
            value += 1
        if len(found) >= CANDIDATES:
            break
    cls = ipaddress.IPv6Address if version == 6 else ipaddress.IPv4Address
    return [str(cls(v)) for v in found]


def _allocate_any(session, port, subnet, pools):
    """One free address of ``subnet`` for ``port``, or None when full."""
    taken = set()
    while True:
        allocated = {int(ipaddress.ip_address(a)) for a in session.scalars(
            select(m.IPAllocation.ip_address).where(m.IPAllocation.subnet_id == subnet.id))}
        candidates = _candidates(subnet, pools, allocated | taken)
        if not candidates:
            return None
        address = random.choice(candidates)
        if _insert(session, port, subnet, address):
            return address
        taken.add(int(ipaddress.ip_address(address)))


def _allocate(session, port, subnets, requests, auto):
    pools = {s.id: p for s, p in subnets}
    if auto:
        for version in (4, 6):
            candidates = [s for s, _p in subnets if s.ip_version == version]
            if candidates and not any(_allocate_any(session, port, s, pools[s.id])
                                      for s in candidates):
                raise errors.IpAddressGenerationFailure(net_id=port.network_id)
        return
    for subnet, address in requests:
        if address is None:
            if _allocate_any(session, port, subnet, pools[subnet.id]) is None:
                raise errors.IpAddressGenerationFailure(net_id=port.network_id)
        elif not _insert(session, port, subnet, address):
            raise errors.IpAddressAlreadyAllocated(ip=address, subnet_id=subnet.id)


def _network_exists(session, network_id):
    return session.scalar(select(m.Network.id).where(m.Network.id == network_id)) is not None


def _insert_port(session, values, mac):
    for _attempt in range(1 if mac else MAC_RETRIES):
        try:
            with session.begin_nested():
                row = m.Port(mac_address=mac or random_mac(), **values)
                session.add(row)
            return row
        except sa_exc.IntegrityError:
            if not _network_exists(session, values['network_id']):
                raise errors.NetworkNotFound(net_id=values['network_id'])
    if mac:
        raise errors.MacAddressInUse(net_id=values['network_id'], mac=mac)
    raise errors.MacAddressGenerationFailure(net_id=values['network_id'])


def _json_columns(values):
    out = dict(values)
    for key in ('binding_vif_details', 'binding_profile'):
        if key in out and not isinstance(out[key], str):
            out[key] = json.dumps(out[key])
    return out


@retry_on_deadlock
def port_create(values, fixed_ips=None, mac=None):
    """Insert a port and its fixed IPs in one transaction.  ``fixed_ips`` is
    the request's list of {'subnet_id', 'ip_address'} or None for one address
    of the network (of each IP version)."""
    values = _json_columns(values)
    with write_transaction() as session:
        if not _network_exists(session, values['network_id']):
            raise errors.NetworkNotFound(net_id=values['network_id'])
        row = _insert_port(session, values, mac)
        # after the first write: SQLite holds the write lock, the others see
        # a network deleted meanwhile through the foreign key
        if not _network_exists(session, values['network_id']):
            raise errors.NetworkNotFound(net_id=values['network_id'])
        subnets = _subnets_of(session, row.network_id)
        requests = _resolve(row.network_id, subnets, fixed_ips, row.device_owner)
        _allocate(session, row, subnets, requests, auto=fixed_ips is None)
        session.flush()
        return _port_dicts(session, [row])[0]


def _changed_ips(current, requested):
    """Neutron's rule for a new fixed_ips list: an entry naming an address
    the port holds keeps it; an entry naming only a subnet keeps one address
    the port holds there; everything else is added or removed."""
    remaining = list(current)
    added = []
    for entry in requested:
        match = None
        for a in remaining:
            if entry.get('ip_address') is not None:
                if (ipaddress.ip_address(a['ip_address'])
                        == ipaddress.ip_address(entry['ip_address'])
                        and entry.get('subnet_id') in (None, a['subnet_id'])):
                    match = a
            elif entry.get('subnet_id') == a['subnet_id']:
                match = a
            if match:
                break
        if match:
            remaining.remove(match)
        else:
            added.append(entry)
    return added, remaining


@retry_on_deadlock
def port_update(port_id, values, fixed_ips=None, mac=None, scope=None):
    values = _json_columns(values)
    with write_transaction() as session:
        q = update(m.Port).where(m.Port.id == port_id)
        if scope is not None:
            q = q.where(m.Port.id.in_(_visible_ports(scope).with_only_columns(m.Port.id)))
        if not session.execute(q.values(revision_number=m.Port.revision_number + 1,
                                        updated_at=now())).rowcount:
            raise errors.PortNotFound(port_id=port_id)
        row = session.get(m.Port, port_id, populate_existing=True)
        if mac is not None and mac != row.mac_address:
            if row.binding_vif_type not in ('unbound', 'binding_failed'):
                raise errors.PortBound(port_id=port_id, vif_type=row.binding_vif_type,
                                       old_mac=row.mac_address, new_mac=mac)
            try:
                with session.begin_nested():
                    row.mac_address = mac
            except sa_exc.IntegrityError:
                raise errors.MacAddressInUse(net_id=row.network_id, mac=mac)
        if fixed_ips is not None:
            current = _port_dicts(session, [row])[0]['fixed_ips']
            added, removed = _changed_ips(current, fixed_ips)
            for a in removed:
                session.execute(sa.delete(m.IPAllocation).where(
                    m.IPAllocation.port_id == port_id,
                    m.IPAllocation.subnet_id == a['subnet_id'],
                    m.IPAllocation.ip_address == a['ip_address']))
            session.flush()
            subnets = _subnets_of(session, row.network_id)
            owner = values.get('device_owner', row.device_owner)
            _allocate(session, row, subnets, _resolve(row.network_id, subnets, added, owner),
                      auto=False)
        for key, value in values.items():
            setattr(row, key, value)
        session.flush()
        return _port_dicts(session, [row])[0]


@retry_on_deadlock
def port_delete(port_id, scope=None):
    with write_transaction() as session:
        q = select(m.Port.id).where(m.Port.id == port_id)
        if scope is not None:
            q = _visible_ports(scope).with_only_columns(m.Port.id).where(m.Port.id == port_id)
        if session.scalar(q) is None:
            raise errors.PortNotFound(port_id=port_id)
        session.execute(sa.delete(m.IPAllocation).where(m.IPAllocation.port_id == port_id))
        session.execute(sa.delete(m.Port).where(m.Port.id == port_id))
