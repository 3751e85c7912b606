"""One ICMP echo from the host, through a raw socket (the host has no
``ping`` binary): how the demo and the tests prove a guest answers."""
import os
import select
import socket
import struct
import time

ECHO_REQUEST, ECHO_REPLY = 8, 0


def _checksum(data):
    if len(data) % 2:
        data += b'\0'
    total = sum(struct.unpack('!%dH' % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def ping(address, timeout=1.0):
    """Round-trip time in seconds of one echo to ``address``, or None when
    no reply came within ``timeout``."""
    ident, seq = os.getpid() & 0xffff, int(time.monotonic() * 1000) & 0xffff
    payload = b'novalite-ping'
    header = struct.pack('!BBHHH', ECHO_REQUEST, 0, 0, ident, seq)
    packet = struct.pack('!BBHHH', ECHO_REQUEST, 0,
                         _checksum(header + payload), ident, seq) + payload
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as sock:
        start = time.monotonic()
        sock.sendto(packet, (address, 0))
        deadline = start + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([sock], [], [], left)[0]:
                return None
            data, peer = sock.recvfrom(2048)
            ihl = (data[0] & 0x0f) * 4
            kind, _, _, rid, rseq = struct.unpack('!BBHHH', data[ihl:ihl + 8])
            if peer[0] == address and kind == ECHO_REPLY and (rid, rseq) == (ident, seq):
                return time.monotonic() - start


def wait_for_ping(address, timeout):
    """Ping until ``address`` answers or ``timeout`` passes; the RTT or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            rtt = ping(address, timeout=min(1.0, max(0.05, deadline - time.monotonic())))
        except OSError:       # no route or neighbour yet: poll again shortly
            time.sleep(0.2)
            continue
        if rtt is not None:
            return rtt
    return None
