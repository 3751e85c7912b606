"""RabbitMQ users and permissions per service (``novalite-manage service
rabbit-permissions``).

The control plane (api, conductor, scheduler) may use the whole vhost.  A
compute host may declare, bind and read only its own queues (``compute``,
``compute.<host>``, its fanout and reply queues), publish only to the
conductor and the notification topics, and bind only its own routing keys
(topic permissions), so it cannot consume another host's builds.
"""
import re
import secrets

from novalite.security import keys

CONTROL_EXCHANGE = 'openstack'
_NOTIFY = r'notifications\.[a-z]+|versioned_notifications\.[a-z]+'


def username(binary, host):
    return '%s-%s' % (binary, host)


def compute_permissions(host):
    """(configure, write, read, topic_write, topic_read) regexes."""
    h = re.escape(host)
    own = r'compute|compute\.%s|compute_fanout(_[0-9a-f]+)?|reply_[0-9a-f]+' % h
    return ('^(%s|%s|%s)$' % (own, CONTROL_EXCHANGE, _NOTIFY),
            '^(%s|%s|%s)$' % (own, CONTROL_EXCHANGE, _NOTIFY),
            '^(%s|%s)$' % (own, CONTROL_EXCHANGE),
            '^(conductor|%s)$' % _NOTIFY,
            r'^(compute|compute\.%s|%s)$' % (h, _NOTIFY))


def new_password():
    """192 random bits in hex: never read as an option by rabbitmqctl (a
    urlsafe token starts with '-' one time in 64) and safe in a transport URL."""
    return secrets.token_hex(24)


def commands(services, vhost, passwords=None):
    """rabbitmqctl argument lists for ``services`` [(binary, host)]."""
    out = []
    passwords = passwords if passwords is not None else {}
    for binary, host in services:
        user = username(binary, host)
        pw = passwords.setdefault(user, new_password())
        out.append(['add_user', user, pw])
        if binary == keys.COMPUTE:
            conf, write, read, t_write, t_read = compute_permissions(host)
            out.append(['set_permissions', '-p', vhost, user, conf, write, read])
            out.append(['set_topic_permissions', '-p', vhost, user, CONTROL_EXCHANGE,
                        t_write, t_read])
        else:
            out.append(['set_permissions', '-p', vhost, user, '.*', '.*', '.*'])
    return out
