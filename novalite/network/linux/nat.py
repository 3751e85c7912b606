"""Masquerade for isolated networks: guests reach out through the host.

There is no netlink nftables/iptables library among novalite's
dependencies (pyroute2 does not program netfilter), so this runs the
``iptables`` command, as Neutron's iptables manager does.  Every rule lives
in novalite's own chains (nat ``novalite-snat`` from POSTROUTING, filter
``novalite-forward`` from FORWARD) and carries the network id as its
comment, so a network's rules are removed exactly (``-D`` with the same
words) without reading iptables' output, and computes of other clouds on
the same machine keep theirs.
"""
import logging
import subprocess
import threading

LOG = logging.getLogger(__name__)

SNAT_CHAIN = 'novalite-snat'
FORWARD_CHAIN = 'novalite-forward'
_lock = threading.Lock()


class IptablesError(Exception):
    pass


def _iptables(*args, check=True):
    proc = subprocess.run(('iptables', '-w', '10') + args, capture_output=True, text=True)
    if check and proc.returncode:
        raise IptablesError('iptables %s: %s' % (' '.join(args), proc.stderr.strip()))
    return proc


def _ensure_chain(table, chain, parent):
    if _iptables('-t', table, '-n', '-L', chain, check=False).returncode:
        _iptables('-t', table, '-N', chain, check=False)    # another compute may win
        _iptables('-t', table, '-n', '-L', chain)
    if _iptables('-t', table, '-C', parent, '-j', chain, check=False).returncode:
        _iptables('-t', table, '-I', parent, '1', '-j', chain)


def _rules(network_id, cidr, bridge):
    tag = ('-m', 'comment', '--comment', 'novalite %s' % network_id)
    return [('nat', SNAT_CHAIN, ('-s', cidr, '!', '-d', cidr) + tag + ('-j', 'MASQUERADE')),
            ('filter', FORWARD_CHAIN, ('-i', bridge) + tag + ('-j', 'ACCEPT')),
            ('filter', FORWARD_CHAIN, ('-o', bridge) + tag + ('-j', 'ACCEPT'))]


def _enable_forwarding():
    with open('/proc/sys/net/ipv4/ip_forward', 'w') as f:
        f.write('1')


def masquerade(network_id, cidr, bridge):
    """NAT ``cidr`` out through the host and let its bridge forward."""
    with _lock:
        _ensure_chain('nat', SNAT_CHAIN, 'POSTROUTING')
        _ensure_chain('filter', FORWARD_CHAIN, 'FORWARD')
        for table, chain, rule in _rules(network_id, cidr, bridge):
            if _iptables('-t', table, '-C', chain, *rule, check=False).returncode:
                _iptables('-t', table, '-A', chain, *rule)
        _enable_forwarding()


def remove(network_id, cidr, bridge):
    """Drop the rules of one network (rules already gone are fine)."""
    with _lock:
        for table, chain, rule in _rules(network_id, cidr, bridge):
            while not _iptables('-t', table, '-D', chain, *rule, check=False).returncode:
                pass    # a rule added twice by hand goes too

