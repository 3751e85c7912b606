"""Host networking for novalite-compute (bridges, NAT, dnsmasq); see
:mod:`novalite.network.linux.host`."""
