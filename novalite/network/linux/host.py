"""The host side of networking, run by novalite-compute: what a VIF of
type ``bridge`` needs on this host before and after its guest runs.

* one Linux bridge per network (``brq<network id[:11]>``); a flat provider
  network uses the operator's bridge from ``[network]
  physical_bridge_mappings`` instead;
* on an isolated network, each subnet's gateway address sits on the bridge
  and ``[network] masquerade`` NATs the subnet out through the host;
* one dnsmasq per network answering only the ports bound here.

libvirt creates the guest's tap itself for ``<interface type='bridge'>``,
so plugging is: bridge, addresses, NAT, DHCP entry.  Unplugging drops the
entry and its lease, and the last port of a network on this host takes the
bridge, NAT rules and dnsmasq with it.  What is plugged is written under
``<state_path>/networks/<network id>/`` so a restarted compute can
``reconcile`` against the instances it still has.
"""
import ipaddress
import json
import logging
import os
import re
import shutil
import threading

from oslo_config import cfg

from novalite import exception
from novalite.network import model
from novalite.network.linux import bridge as linux_bridge
from novalite.network.linux import dnsmasq
from novalite.network.linux import nat

CONF = cfg.CONF
LOG = logging.getLogger(__name__)

STATE_FILE = 'network.json'
_SAFE_ID = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$')
_IFNAME = re.compile(r'^[A-Za-z0-9_.-]{1,15}$')
_MAC = re.compile(r'^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$')


class NetworkPlugError(exception.NovaliteException):
    msg_fmt = 'Cannot plug port %(port_id)s: %(reason)s'


def bridge_for(vif):
    """The host bridge a VIF's tap joins: the mapped operator bridge for a
    provider network, else the network's own bridge."""
    name = _bridge_for(vif)
    if not name or not _IFNAME.match(name):
        raise NetworkPlugError(port_id=vif.get('id'), reason='bad bridge name %r' % name)
    return name


def _bridge_for(vif):
    physnet = model.physical_network(vif)
    if physnet:
        mapped = CONF.network.physical_bridge_mappings.get(physnet)
        if not mapped:
            raise NetworkPlugError(
                port_id=vif.get('id'),
                reason='no bridge for physical network %s in [network] '
                       'physical_bridge_mappings' % physnet)
        return mapped
    details = vif.get('details') or {}
    return (details.get(model.VIF_DETAILS_BRIDGE_NAME)
            or (vif.get('network') or {}).get('bridge')
            or model.bridge_name(model.network_id(vif)))


def _ours(vif):
    """Whether this host plugs ``vif``: a bridge VIF of a network (a bridge
    VIF without one, from ``networks: auto``, names a bridge that exists)."""
    if vif.get('type') != model.VIF_TYPE_BRIDGE or not model.network_id(vif):
        return False
    if not _SAFE_ID.match(model.network_id(vif)):      # it names a directory
        raise NetworkPlugError(port_id=vif.get('id'), reason='bad network id')
    return True


def _dhcp_subnets(vif):
    """The IPv4 subnets dnsmasq serves (all, unless meta says no DHCP)."""
    out = []
    for subnet in model.subnets(vif):
        meta = subnet.get('meta') or {}
        if ipaddress.ip_network(subnet['cidr']).version != 4:
            continue
        if 'dhcp_server' in meta or meta.get('enable_dhcp', True):
            out.append(subnet)
    return out


def _interface(address, cidr):
    return '%s/%d' % (address, ipaddress.ip_network(cidr).prefixlen)


class _Network:
    """What this host set up for one network, as kept on disk."""

    def __init__(self, root, network_id):
        self.id = network_id
        self.dir = os.path.join(root, network_id)
        self.dhcp = dnsmasq.Dnsmasq(root, network_id,
                                    lease_seconds=CONF.network.dhcp_lease_duration)
        self.state = {'bridge': None, 'isolated': True, 'subnets': [], 'mtu': None,
                      'addresses': [], 'nat': [], 'ports': {}}

    def load(self):
        try:
            with open(os.path.join(self.dir, STATE_FILE)) as f:
                self.state.update(json.load(f))
        except (FileNotFoundError, ValueError):
            pass
        return self

    def save(self):
        os.makedirs(self.dir, mode=0o755, exist_ok=True)
        tmp = os.path.join(self.dir, STATE_FILE + '.tmp')
        with open(tmp, 'w') as f:
            json.dump(self.state, f)
        os.replace(tmp, os.path.join(self.dir, STATE_FILE))

    def entries(self):
        return [(port['mac'], ip) for port in self.state['ports'].values()
                for ip in port['ips']]


class HostNetwork:
    """Bridges, NAT and dnsmasq of this compute host (one per service)."""

    def __init__(self, state_root=None):
        self.root = state_root or os.path.join(CONF.state_path, 'networks')
        self._lock = threading.Lock()

    def _network(self, network_id):
        return _Network(self.root, network_id).load()

    # -- plug -----------------------------------------------------------------
    def plug_vifs(self, instance, network_info):
        with self._lock:
            for vif in network_info or []:
                if not _ours(vif):
                    continue
                net = self._network(model.network_id(vif))
                self._add_port(net, vif, getattr(instance, 'uuid', None))
                net.save()
                self._serve(net)

    def _add_port(self, net, vif, instance_uuid):
        # both end up in dnsmasq's hosts file: nothing but a MAC and addresses
        if not _MAC.match(vif.get('address') or ''):
            raise NetworkPlugError(port_id=vif.get('id'), reason='bad MAC address')
        for _subnet, ip in model.fixed_ips(vif):
            try:
                ipaddress.ip_address(ip)
            except ValueError:
                raise NetworkPlugError(port_id=vif.get('id'),
                                       reason='bad fixed IP %r' % ip) from None
        self._wire(net, vif)
        served = {subnet['cidr'] for subnet in net.state['subnets']}
        net.state['ports'][vif['id']] = {
            'mac': vif['address'], 'instance': instance_uuid,
            'ips': [ip for subnet, ip in model.fixed_ips(vif) if subnet['cidr'] in served]}

    def _wire(self, net, vif):
        """Bridge, addresses and NAT for the network of ``vif``."""
        br = bridge_for(vif)
        isolated = not model.physical_network(vif)
        subnets = _dhcp_subnets(vif)
        net.state.update(bridge=br, isolated=isolated, mtu=model.mtu(vif),
                         subnets=[{k: v for k, v in subnet.items() if k != 'ips'}
                                  for subnet in subnets])
        if isolated:
            linux_bridge.ensure_bridge(br)
        elif not linux_bridge.exists(br):
            raise NetworkPlugError(port_id=vif.get('id'),
                                   reason='provider bridge %s does not exist' % br)
        for subnet in subnets:
            address = self._dhcp_address(net, br, subnet, isolated)
            if address:
                linux_bridge.ensure_address(br, address)
                if address not in net.state['addresses']:
                    net.state['addresses'].append(address)
            if isolated and CONF.network.masquerade and subnet['cidr'] not in net.state['nat']:
                nat.masquerade(net.id, subnet['cidr'], br)
                net.state['nat'].append(subnet['cidr'])

    @staticmethod
    def _dhcp_address(net, br, subnet, isolated):
        """The address this host puts on the bridge for ``subnet``: the
        gateway on an isolated network; on a provider LAN none when the
        bridge already has one in the subnet, else the DHCP server's."""
        cidr = ipaddress.ip_network(subnet['cidr'])
        if isolated and model.gateway(subnet):
            return _interface(model.gateway(subnet), subnet['cidr'])
        if not isolated and any(a.ip in cidr for a in linux_bridge.addresses(br)
                                if str(a) not in net.state['addresses']):
            return None     # the operator's own address on that LAN serves
        server = (subnet.get('meta') or {}).get('dhcp_server')
        return _interface(server, subnet['cidr']) if server else None

    def _serve(self, net):
        if net.state['subnets']:
            net.dhcp.ensure(net.state['bridge'], net.state['subnets'], net.entries(),
                            net.state['mtu'])

    # -- unplug ---------------------------------------------------------------
    def unplug_vifs(self, instance, network_info):
        with self._lock:
            for vif in network_info or []:
                if not _ours(vif):
                    continue
                net = self._network(model.network_id(vif))
                if net.state['ports'].pop(vif['id'], None) is None:
                    continue
                if net.state['ports']:
                    net.save()
                    self._serve(net)
                else:
                    self._teardown(net)

    def _teardown(self, net):
        """The last port left: dnsmasq, NAT, addresses and our bridge go."""
        br = net.state['bridge']
        net.dhcp.stop()          # removes the network's directory too
        for cidr in net.state['nat']:
            nat.remove(net.id, cidr, br)
        if br and net.state['isolated']:
            linux_bridge.delete_bridge(br)
        elif br:
            for address in net.state['addresses']:
                linux_bridge.remove_address(br, address)
        shutil.rmtree(net.dir, ignore_errors=True)
        LOG.info('Network %s removed from this host (bridge %s)', net.id, br)

    # -- restart ----------------------------------------------------------------
    def reconcile(self, active_network_info_list):
        """After a restart: keep exactly what the live instances need.
        ``active_network_info_list`` holds one network_info (a list of
        VIFs) per instance that still lives on this host, or
        ``(instance uuid, network_info)`` pairs."""
        wanted = {}
        for item in active_network_info_list:
            uuid, network_info = item if isinstance(item, tuple) else (None, item)
            for vif in network_info or []:
                if _ours(vif):
                    wanted.setdefault(model.network_id(vif), []).append((vif, uuid))
        with self._lock:
            os.makedirs(self.root, mode=0o755, exist_ok=True)
            blocked = dnsmasq.check_reachable(self.root)
            if blocked:
                LOG.warning('%s is not searchable by others; dnsmasq (which drops '
                            'root) cannot re-read its hosts files under %s',
                            blocked, self.root)
            for name in os.listdir(self.root):
                if name not in wanted:
                    self._teardown(self._network(name))
            for pid, path in dnsmasq.running(self.root).items():
                name = os.path.basename(path)
                if name not in wanted or self._network(name).dhcp.pid() != pid:
                    LOG.info('Killing stale dnsmasq %d (%s)', pid, path)
                    dnsmasq.kill(pid)
            for network_id, vifs in wanted.items():
                net = self._network(network_id)
                net.state.update(nat=[], ports={})
                for vif, instance_uuid in vifs:
                    self._add_port(net, vif, instance_uuid)
                net.save()
                self._serve(net)
        LOG.info('Host networking reconciled: %d networks, %d ports', len(wanted),
                 sum(len(v) for v in wanted.values()))
