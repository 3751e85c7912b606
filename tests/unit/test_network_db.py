"""IPAM of the embedded network service on SQLite, PostgreSQL and MariaDB:
concurrent port creates on a nearly full subnet never share an address and
exactly the free count succeed; a requested address or MAC goes to one port."""
import ipaddress
import threading
import uuid

import pytest

import novalite.conf  # noqa: F401
from novalite.db import session as db
from novalite.db import network as db_network
from novalite.db import ports as db_ports
from novalite.network import errors
from tests import services

THREADS = 12


@pytest.fixture(scope='module', params=services.BACKENDS)
def database(request, tmp_path_factory):
    """One migrated database per backend for the module; each test works on
    networks of its own."""
    url, drop = services.create_database(request.param, tmp_path_factory.mktemp('db'))
    try:
        with services.novalite_engine_on(url):
            yield url
    finally:
        drop()


def _subnet(cidr='10.9.0.0/28', pools=(('10.9.0.2', '10.9.0.11'),)):
    net = db_network.network_create({'id': str(uuid.uuid4()), 'project_id': 'p1', 'name': 'n'})
    subnet = db_network.subnet_create(
        {'id': str(uuid.uuid4()), 'project_id': 'p1', 'network_id': net['id'],
         'ip_version': 4, 'cidr': cidr, 'gateway_ip': '10.9.0.1'},
        list(pools), [], [], lambda cidrs: None)
    return net['id'], subnet


def _port(net_id, **kwargs):
    return db_ports.port_create({'id': str(uuid.uuid4()), 'project_id': 'p1',
                                 'network_id': net_id}, **kwargs)


def _race(target, n=THREADS):
    results, barrier = [None] * n, threading.Barrier(n)

    def run(i):
        barrier.wait()
        try:
            results[i] = target(i)
        except errors.NeutronException as e:
            results[i] = type(e).__name__
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def _counts(net_id):
    """(ports, fixed IPs) on the network."""
    from sqlalchemy import func, select
    from novalite.db import models as m
    with db.reader() as session:
        return (session.scalar(select(func.count(m.Port.id)).where(m.Port.network_id == net_id)),
                session.scalar(select(func.count()).select_from(m.IPAllocation).where(
                    m.IPAllocation.network_id == net_id)))


def test_concurrent_creates_on_a_nearly_full_subnet(database):
    net_id, subnet = _subnet()
    for _ in range(6):                 # 10 in the pool, 4 left
        _port(net_id)
    results = _race(lambda i: _port(net_id)['fixed_ips'][0]['ip_address'])
    won = [r for r in results if r and r.startswith('10.')]
    assert len(won) == 4 and len(set(won)) == 4, results
    assert sorted(r for r in results if r not in won) == ['IpAddressGenerationFailure'] * 8
    assert _counts(net_id) == (10, 10)       # the losers wrote nothing
    everyone = {a['ip_address'] for p in db_ports.port_get_all(filters={'network_id': [net_id]})
                for a in p['fixed_ips']}
    pool = {str(ipaddress.ip_address('10.9.0.2') + i) for i in range(10)}
    assert everyone == pool            # never the network, gateway or broadcast address


def test_a_requested_address_goes_to_one_port(database):
    net_id, subnet = _subnet()
    results = _race(lambda i: _port(net_id, fixed_ips=[{'ip_address': '10.9.0.7'}])['id'])
    assert sorted(r for r in results if r.endswith('Allocated')) == [
        'IpAddressAlreadyAllocated'] * (THREADS - 1)
    assert _counts(net_id) == (1, 1)


def test_a_requested_mac_goes_to_one_port(database):
    net_id, subnet = _subnet(pools=(('10.9.0.2', '10.9.0.14'),))
    results = _race(lambda i: _port(net_id, mac='fa:16:3e:00:00:01')['id'], n=6)
    assert sorted(r for r in results if r.endswith('InUse')) == ['MacAddressInUse'] * 5
    assert _counts(net_id) == (1, 1)


def test_gateway_network_and_broadcast_are_refused(database):
    net_id, subnet = _subnet()
    for address, error in (('10.9.0.1', errors.IpAddressAlreadyAllocated),
                           ('10.9.0.0', errors.InvalidIpForNetwork),
                           ('10.9.0.15', errors.InvalidIpForNetwork),
                           ('10.8.0.5', errors.InvalidIpForNetwork)):
        with pytest.raises(error):
            _port(net_id, fixed_ips=[{'ip_address': address}])
    for address in ('10.9.0.0', '10.9.0.15', '10.8.0.5'):
        with pytest.raises(errors.InvalidIpForSubnet):
            _port(net_id, fixed_ips=[{'subnet_id': subnet['id'], 'ip_address': address}])
    assert _counts(net_id) == (0, 0)
    # outside the pools but inside the cidr: given, as Neutron does
    assert _port(net_id, fixed_ips=[{'ip_address': '10.9.0.13'}])['fixed_ips'][0][
        'ip_address'] == '10.9.0.13'
    with pytest.raises(errors.SubnetInUse):
        db_network.subnet_delete(subnet['id'], net_id)
    with pytest.raises(errors.NetworkInUse):
        db_network.network_delete(net_id)
