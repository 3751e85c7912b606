"""Per-service RabbitMQ users (issue 10): a compute may consume only its own
queues; a second consumer on another host's queue is refused by the broker.

Runs on the real broker in a private vhost with private users, all deleted
afterwards; guest's permissions elsewhere are never touched.
"""
import re
import uuid

import amqp.exceptions
import kombu
import pytest

from novalite.security import broker
from tests import services

pytestmark = pytest.mark.xdist_group('broker_permissions')


@pytest.fixture
def vhost_users():
    vhost = 'novalite-perm-%s' % uuid.uuid4().hex[:8]
    tag = uuid.uuid4().hex[:6]
    hosts = ('a-%s' % tag, 'b-%s' % tag)
    users = [broker.username('novalite-compute', h) for h in hosts]
    assert services._rabbitmqctl('add_vhost', vhost).returncode == 0
    passwords = {}
    try:
        cmds = broker.commands([('novalite-compute', h) for h in hosts], vhost, passwords)
        for cmd in cmds:
            res = services._rabbitmqctl(*cmd)
            assert res.returncode == 0, (cmd[0], res.stderr)
        # the exchange exists, as the control plane declares it
        services._rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*')
        with kombu.Connection('amqp://guest:guest@127.0.0.1:5672/%s' % vhost) as conn:
            kombu.Exchange(broker.CONTROL_EXCHANGE, 'topic', channel=conn.channel()).declare()
        yield vhost, hosts, {h: (u, passwords[u]) for h, u in zip(hosts, users)}
    finally:
        for user in users:
            services._rabbitmqctl('delete_user', user)
        services._rabbitmqctl('delete_vhost', vhost)


def _conn(vhost, user, password):
    return kombu.Connection('amqp://%s:%s@127.0.0.1:5672/%s' % (user, password, vhost),
                            transport_options={'confirm_publish': True})


def _consume(conn, queue_name, routing_key):
    ch = conn.channel()
    ex = kombu.Exchange(broker.CONTROL_EXCHANGE, 'topic', channel=ch)
    q = kombu.Queue(queue_name, ex, routing_key=routing_key, channel=ch)
    q.declare()
    ch.basic_consume(queue_name, callback=lambda m: None)


def test_compute_consumes_only_its_own_queue(vhost_users):
    vhost, (a, b), creds = vhost_users
    with _conn(vhost, *creds[a]) as conn:          # a on its own queue: allowed
        _consume(conn, 'compute.%s' % a, 'compute.%s' % a)
    attacks = [
        ('consume host a queue as b', 'compute.%s' % a, 'compute.%s' % a),
        ('bind own reply queue to host a routing key', 'reply_%s' % uuid.uuid4().hex,
         'compute.%s' % a),
        ('consume the conductor queue as b', 'conductor', 'conductor'),
    ]
    for name, queue, key in attacks:
        with _conn(vhost, *creds[b]) as conn:
            with pytest.raises(amqp.exceptions.AccessRefused):
                _consume(conn, queue, key)
    # b may still publish to the conductor, but not to host a's routing key
    ex = kombu.Exchange(broker.CONTROL_EXCHANGE, 'topic')
    with _conn(vhost, *creds[b]) as conn:
        kombu.Producer(conn.channel(), exchange=ex).publish({}, routing_key='conductor')
    with _conn(vhost, *creds[b]) as conn:
        with pytest.raises(amqp.exceptions.AccessRefused):
            kombu.Producer(conn.channel(), exchange=ex).publish(
                {}, routing_key='compute.%s' % a)


def test_manage_prints_commands(tmp_path):
    cmds = broker.commands([('novalite-compute', 'h1'), ('novalite-conductor', 'c1')], '/v')
    text = [' '.join(c) for c in cmds]
    assert any(t.startswith('set_topic_permissions -p /v novalite-compute-h1 openstack')
               for t in text)
    assert 'set_permissions -p /v novalite-conductor-c1 .* .* .*' in text


def test_passwords_are_never_taken_for_options():
    # rabbitmqctl reads an argument starting with '-' as an option: add_user failed
    # when a urlsafe token began with one (1 in 64)
    cmds = broker.commands([('novalite-compute', 'h%d' % i) for i in range(2000)], '/v')
    passwords = [c[2] for c in cmds if c[0] == 'add_user']
    assert len(set(passwords)) == 2000
    assert all(re.fullmatch('[0-9a-f]{48}', p) for p in passwords)
