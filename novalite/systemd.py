"""sd_notify(3) in a few lines: tell systemd (Type=notify) that a daemon is
ready, reloading or stopping, through the datagram socket in $NOTIFY_SOCKET."""
import logging
import os
import socket

LOG = logging.getLogger(__name__)


def notify(state):
    """Send ``state`` (e.g. ``READY=1``); a no-op outside systemd."""
    path = os.environ.get('NOTIFY_SOCKET')
    if not path:
        return False
    if path.startswith('@'):          # abstract namespace
        path = '\0' + path[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(path)
            sock.sendall(state.encode())
        return True
    except OSError as e:
        LOG.warning('Could not notify systemd (%s): %s', state, e)
        return False
