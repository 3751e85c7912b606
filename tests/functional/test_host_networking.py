"""novalite/network/linux against the real kernel and dnsmasq: bridges and
addresses through netlink, iptables masquerade rules, one dnsmasq per
network with static entries, lease release on unplug, and the reconcile of
a restarted compute.  Every bridge and dnsmasq is named after a fresh
network id and removed at the end.  No guests: the libvirt tests boot
those.
"""
import ipaddress
import os
import subprocess
import time
import uuid

import pytest
from oslo_config import cfg

from novalite import conf as nl_conf  # noqa: F401 - registers the options
from novalite.network.linux import bridge, dnsmasq, host, nat
from tests.cloud import wait_for
from tests.functional import net_env

CONF = cfg.CONF
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def hostnet(tmp_path):
    net_env.require_host_networking()
    root = str(tmp_path / 'networks')
    h = host.HostNetwork(root)
    yield h
    h.reconcile([])      # what the test left: dnsmasq, bridges, NAT rules
    assert dnsmasq.running(root) == {}


def _rule_present(table, chain, *rule):
    return subprocess.run(['iptables', '-w', '10', '-t', table, '-C', chain] + list(rule),
                          capture_output=True).returncode == 0


def _snat_present(network_id, cidr):
    return _rule_present('nat', nat.SNAT_CHAIN, '-s', cidr, '!', '-d', cidr, '-m', 'comment',
                         '--comment', 'novalite %s' % network_id, '-j', 'MASQUERADE')


def _files(h, network_id):
    d = os.path.join(h.root, network_id)
    with open(os.path.join(d, 'host')) as f:
        hosts = f.read().split()
    with open(os.path.join(d, 'opts')) as f:
        opts = f.read().split()
    return hosts, opts


def test_plug_makes_bridge_gateway_nat_and_static_dhcp(hostnet):
    net_id, cidr = str(uuid.uuid4()), net_env.free_subnet()
    a = net_env.vif(net_id, cidr, 10, dns=['10.234.0.53'])
    b = net_env.vif(net_id, cidr, 11, dns=['10.234.0.53'])   # subnets are per network
    hostnet.plug_vifs(None, [a])
    hostnet.plug_vifs(None, [b])

    br = 'brq' + net_id[:11]
    assert host.bridge_for(a) == br
    assert bridge.exists(br)
    assert bridge.addresses(br) == [ipaddress.ip_interface('%s/24' % cidr[1])]
    assert _snat_present(net_id, str(cidr))
    assert _rule_present('filter', nat.FORWARD_CHAIN, '-i', br, '-m', 'comment',
                         '--comment', 'novalite %s' % net_id, '-j', 'ACCEPT')

    pid = hostnet._network(net_id).dhcp.pid()
    assert pid is not None
    argv = dnsmasq._cmdline(pid)
    assert '--interface=%s' % br in argv
    assert '--dhcp-ignore=tag:!known' in argv         # silent to unknown clients
    assert '--dhcp-range=set:subnet0,%s,static,255.255.255.0,86400s' % cidr.network_address \
        in argv
    hosts, opts = _files(hostnet, net_id)
    assert sorted(hosts) == sorted(['%s,%s' % (a['address'], cidr[10]),
                                    '%s,%s' % (b['address'], cidr[11])])
    assert opts == ['tag:subnet0,option:router,%s' % cidr[1],
                    'tag:subnet0,option:dns-server,10.234.0.53', 'option:mtu,1400']
    # plugging again changes nothing (the driver may plug on every spawn)
    hostnet.plug_vifs(None, [a])
    assert hostnet._network(net_id).dhcp.pid() == pid
    assert sorted(_files(hostnet, net_id)[0]) == sorted(hosts)


def test_unplug_drops_entry_and_lease_then_last_port_drops_everything(hostnet):
    net_id, cidr = str(uuid.uuid4()), net_env.free_subnet()
    a, b = net_env.vif(net_id, cidr, 20), net_env.vif(net_id, cidr, 21)
    # dnsmasq loads its lease file when it starts: give port a a live lease
    state = os.path.join(hostnet.root, net_id)
    os.makedirs(state)
    with open(os.path.join(state, 'leases'), 'w') as f:
        f.write('%d %s %s * *\n' % (time.time() + 3600, a['address'], cidr[20]))
    hostnet.plug_vifs(None, [a, b])
    dhcp = hostnet._network(net_id).dhcp
    pid = dhcp.pid()
    assert (a['address'], str(cidr[20])) in dhcp.leases()

    hostnet.unplug_vifs(None, [a])
    assert _files(hostnet, net_id)[0] == ['%s,%s' % (b['address'], cidr[21])]
    wait_for(lambda: (a['address'], str(cidr[20])) not in dhcp.leases(), 10,
             what='the lease of the unplugged port to be released')
    assert dhcp.pid() == pid          # a HUP, not a restart

    hostnet.unplug_vifs(None, [b])
    br = 'brq' + net_id[:11]
    assert not bridge.exists(br)
    assert not os.path.exists(state)
    assert not _snat_present(net_id, str(cidr))
    assert pid not in dnsmasq.running(hostnet.root)


def test_provider_network_uses_the_mapped_bridge(hostnet):
    """A flat provider network: the operator's bridge (never deleted), the
    DHCP server address only when the bridge has none in the subnet."""
    net_id, cidr = str(uuid.uuid4()), net_env.free_subnet()
    lan = 'nlbr%s' % uuid.uuid4().hex[:8]
    bridge.ensure_bridge(lan)
    try:
        CONF.set_override('physical_bridge_mappings', {'physnet-t': lan}, group='network')
        v = net_env.vif(net_id, cidr, 30)
        v['details']['physical_network'] = 'physnet-t'
        v['network']['subnets'][0]['meta']['dhcp_server'] = str(cidr[2])
        hostnet.plug_vifs(None, [v])
        assert host.bridge_for(v) == lan
        assert not bridge.exists('brq' + net_id[:11])
        assert bridge.addresses(lan) == [ipaddress.ip_interface('%s/24' % cidr[2])]
        assert not _snat_present(net_id, str(cidr))     # a LAN is not NATed
        hostnet.unplug_vifs(None, [v])
        assert bridge.exists(lan) and bridge.addresses(lan) == []

        v['details']['physical_network'] = 'physnet-unmapped'
        with pytest.raises(host.NetworkPlugError, match='physnet-unmapped'):
            hostnet.plug_vifs(None, [v])
    finally:
        CONF.clear_override('physical_bridge_mappings', group='network')
        bridge.delete_bridge(lan)


def test_restarted_compute_reconciles(hostnet):
    live_net, gone_net = str(uuid.uuid4()), str(uuid.uuid4())
    live_cidr, gone_cidr = net_env.free_subnet(), net_env.free_subnet()
    kept = net_env.vif(live_net, live_cidr, 40)
    deleted = net_env.vif(live_net, live_cidr, 41)      # its server went while we were down
    other = net_env.vif(gone_net, gone_cidr, 42)
    hostnet.plug_vifs(None, [kept, deleted, other])
    live_pid = hostnet._network(live_net).dhcp.pid()
    gone_pid = hostnet._network(gone_net).dhcp.pid()
    # a dnsmasq whose pid file is lost (a crash between start and write)
    stray_dir = os.path.join(hostnet.root, live_net)
    stray = subprocess.Popen(['dnsmasq', '--keep-in-foreground', '--port=0',
                              '--conf-file=/dev/null', '--bind-interfaces',
                              '--interface=lo',
                              '--pid-file=%s/stray.pid' % stray_dir])
    try:
        wait_for(lambda: stray.pid in dnsmasq.running(hostnet.root), 10, what='stray dnsmasq')

        restarted = host.HostNetwork(hostnet.root)      # a new compute process
        restarted.reconcile([('server-1', [kept])])

        running = dnsmasq.running(hostnet.root)
        assert running == {live_pid: stray_dir}          # same process: leases live on
        assert stray.wait(timeout=10) is not None
        assert gone_pid not in running
        assert _files(restarted, live_net)[0] == ['%s,%s' % (kept['address'], live_cidr[40])]
        assert not bridge.exists('brq' + gone_net[:11])
        assert not os.path.exists(os.path.join(hostnet.root, gone_net))
        assert not _snat_present(gone_net, str(gone_cidr))
        assert _snat_present(live_net, str(live_cidr))
        assert bridge.addresses('brq' + live_net[:11]) == [
            ipaddress.ip_interface('%s/24' % live_cidr[1])]
    finally:
        if stray.poll() is None:
            stray.kill()
            stray.wait()


@pytest.mark.parametrize('field,value', [('address', 'fa:16:3e:00:00:01\nset:x'),
                                         ('ip', '10.0.0.1,10.0.0.2'),
                                         ('bridge', 'br0 x'), ('network', '../etc')])
def test_what_reaches_files_and_links_is_checked(tmp_path, field, value):
    """A MAC, address, bridge or network id that is not one is refused
    before anything is written or created."""
    v = net_env.vif(str(uuid.uuid4()), '10.234.0.0/24', 5)
    if field == 'ip':
        v['network']['subnets'][0]['ips'][0]['address'] = value
    elif field == 'network':
        v['network']['id'] = value
    elif field == 'bridge':
        v['network']['bridge'] = value
    else:
        v[field] = value
    h = host.HostNetwork(str(tmp_path / 'networks'))
    with pytest.raises(host.NetworkPlugError):
        h.plug_vifs(None, [v])
    assert not (tmp_path / 'networks').exists() or not os.listdir(tmp_path / 'networks')
