"""A compromised compute host on the real broker (issue 10).

The attacker holds what a compromised hypervisor holds: the broker URL and
its own enrolled key (compute "evil").  It uses novalite's own RPC client
classes and raw oslo.messaging.  A stranger holds only the broker URL.  Every
attack must be refused with nothing changed in the database; the last test
counts the attacks tried and refused.
"""
import base64
import time
import uuid

import oslo_messaging as messaging
import pytest
from oslo_config import cfg

from tests.cloud import private_cloud, wait_for

pytestmark = pytest.mark.xdist_group('compromised_compute')

TRIED, REFUSED = [], []


@pytest.fixture(scope='module')
def cloud(tmp_path_factory):
    with private_cloud(tmp_path_factory.mktemp('trust'),
                       computes=('victim', 'evil')) as c:
        c.start().seed_catalog()
        # one ACTIVE server on each host (the scheduler spreads them)
        placed = {}
        for i in range(6):
            sid = c.boot(name='srv%d' % i, user_data=base64.b64encode(b'secret').decode()
                         ).json['server']['id']
            placed.setdefault(c.wait_status(sid)['OS-EXT-SRV-ATTR:host'], sid)
            if len(placed) == 2:
                break
        assert set(placed) == {'victim', 'evil'}, placed
        c.victim_uuid, c.own_uuid = placed['victim'], placed['evil']
        yield c


@pytest.fixture(scope='module')
def attacker(cloud):
    """novalite's RPC layer in this process, holding compute "evil"'s key."""
    from novalite import rpc
    from novalite.security import keys, signing
    if not cfg.CONF._args:
        cfg.CONF([], project='novalite', default_config_files=[])
    cfg.CONF.set_override('state_path', str(cloud.state))
    rpc.TRANSPORT = messaging.get_rpc_transport(
        cfg.CONF, url=cloud.transport_url, allowed_remote_exmods=['novalite.exception'])
    ident, key = keys.read_key_file(keys.key_path('novalite-compute', 'evil'))
    rpc.SIGNERS.clear()
    rpc.SIGNERS['novalite-compute'] = signing.Signer(ident, key)
    yield rpc
    rpc.TRANSPORT.cleanup()
    rpc.TRANSPORT = None
    rpc.SIGNERS.clear()


def snapshot(cloud):
    q = cloud.query
    return {
        'instances': q('SELECT uuid, host, node, vm_state, task_state, power_state, '
                       'network_info, deleted, compute_id FROM instances ORDER BY uuid'),
        'services': q('SELECT host, %s, disabled, deleted FROM services ORDER BY id'
                      % cloud.engine.dialect.identifier_preparer.quote('binary')),
        'nodes': q('SELECT host, hypervisor_hostname, vcpus, memory_mb, local_gb, vcpus_used,'
                   ' memory_mb_used, cpu_allocation_ratio FROM compute_nodes ORDER BY id'),
        'counts': cloud.row_counts(),
    }


def refused(cloud, name, attack, check=None):
    """Run ``attack``; it must raise (or ``check`` its result must hold) and
    the database must not change."""
    TRIED.append(name)
    before = snapshot(cloud)
    try:
        result = attack()
    except Exception as e:  # noqa: BLE001 - any refusal the caller sees
        assert 'refused' in str(e) or 'may not' in str(e) or 'Forbidden' in type(e).__name__ \
            or 'NotAllowedByHost' in type(e).__name__, \
            (name, repr(e)[:300])
    else:
        assert check is not None and check(result), (name, result)
    assert snapshot(cloud) == before, name
    REFUSED.append(name)


def conductor(rpc):
    from novalite.conductor import rpcapi
    return rpcapi.ConductorAPI()


def ctx(**kw):
    from novalite import context
    return context.RequestContext(user_id='evil', project_id='evil', **kw)


BIG = {'hypervisor_hostname': 'victim', 'vcpus': 10 ** 6, 'memory_mb': 10 ** 12,
       'local_gb': 10 ** 9}
RES = {'memory_mb': 0, 'vcpus': 0, 'disk_gb': 0}
RATIOS = {'cpu': 16.0, 'ram': 1.5, 'disk': 1.0}


def test_act_as_another_host(cloud, attacker):
    api, v = conductor(attacker), cloud.victim_uuid
    for host in ('victim', None):
        refused(cloud, 'instances_on_host as %s' % host,
                lambda: api.instances_on_host(ctx(), host),
                check=lambda r: v not in [i.uuid for i in r])
        refused(cloud, 'instance_destroy as %s' % host,
                lambda: api.instance_destroy(ctx(), host, v))
        refused(cloud, 'abort_instance_claim as %s' % host,
                lambda: api.abort_instance_claim(ctx(), host, v))
        refused(cloud, 'instance_update victim as %s' % host,
                lambda: api.instance_update(ctx(), host, v, {'vm_state': 'error'}))
        refused(cloud, 'instance_claim victim as %s' % host,
                lambda: api.instance_claim(ctx(), host, v, 'victim'))
        refused(cloud, 'fail_build victim as %s' % host,
                lambda: api.fail_build(ctx(), host, v, 'x', 'y'))
        refused(cloud, 'action_event victim as %s' % host,
                lambda: api.action_event(ctx(), host, v, 'compute_x', 'start'))
    refused(cloud, 'compute_node_report for victim',
            lambda: api.compute_node_report(ctx(), 'victim', dict(BIG), RES, RATIOS))
    refused(cloud, 'heartbeat as conductor',
            lambda: api.service_heartbeat(ctx(), 'evil', 'novalite-conductor', 'conductor'))
    # the conductor's own heartbeat ping (baseapi) answers the conductor only
    from novalite import baserpc
    refused(cloud, 'baseapi ping from a compute',
            lambda: baserpc.ping_client('conductor', None, 'novalite-compute').prepare(
                timeout=10).call(ctx(), 'ping', arg=None))


def test_only_legitimate_fields_and_values(cloud, attacker):
    api, own = conductor(attacker), cloud.own_uuid
    bad_updates = {
        'vm_state bogus': {'vm_state': 'bogus'},
        'task_state bogus': {'task_state': 'hacking'},
        'power_state string': {'power_state': 'on'},
        'network_info string': {'network_info': 'garbage'},
        'network_info wrong shape': {'network_info': [{'id': 1}]},
        'network_info bad ips': {'network_info': [{'id': 'a', 'address': 'fa:16:3e:00:00:01',
                                                   'network': {'subnets': [{'ips': 'x'}]}}]},
        'move to another host': {'host': 'victim'},
        'user_data': {'user_data': 'aGk='},
        'project_id': {'project_id': 'other'},
        'memory_mb': {'memory_mb': 1},
        'progress 1000': {'progress': 1000},
    }
    for name, updates in bad_updates.items():
        refused(cloud, 'instance_update own %s' % name,
                lambda: api.instance_update(ctx(), 'evil', own, updates))
    for name, res in {'huge numbers': BIG,
                      'memory_mb string': {'hypervisor_hostname': 'evil', 'vcpus': 8,
                                           'memory_mb': '16384', 'local_gb': 100},
                      'negative': {'hypervisor_hostname': 'evil', 'vcpus': -8,
                                   'memory_mb': 16384, 'local_gb': 100}}.items():
        refused(cloud, 'compute_node_report %s' % name,
                lambda: api.compute_node_report(ctx(), 'evil', dict(res, hypervisor_hostname='evil'),
                                                RES, RATIOS))
    refused(cloud, 'compute_node_report ratio 1e9',
            lambda: api.compute_node_report(ctx(), 'evil', {
                'hypervisor_hostname': 'evil', 'vcpus': 8, 'memory_mb': 16384,
                'local_gb': 100}, RES, {'cpu': 1e9, 'ram': 1.0, 'disk': 1.0}))
    refused(cloud, 'fail_build with a 1000-character message',
            lambda: api.fail_build(ctx(), 'evil', own, 'x' * 1000, None))
    refused(cloud, 'event outside compute_*',
            lambda: api.action_event(ctx(), 'evil', own, 'conductor_x', 'start'))
    refused(cloud, 'not a uuid',
            lambda: api.instance_destroy(ctx(), 'evil', "' OR 1=1 --"))
    refused(cloud, 'unknown conductor method',
            lambda: api._call(ctx(), 'instance_get_all'))
    # a legitimate write of its own instance still works
    api.instance_update(ctx(), 'evil', own, {'power_state': 1})


def test_nodes_report_only_for_itself(cloud, attacker):
    """compute_nodes_report (conductor 4.2): another host's nodes, too many
    nodes, malformed or absurd nodes are refused whole, nothing written."""
    api = conductor(attacker)

    def report(host, nodes, ratios=RATIOS, reserved=RES):
        return api._call(ctx(), 'compute_nodes_report', version='4.2', host=host,
                         nodes=nodes, reserved=reserved, ratios=ratios)

    own = {'hypervisor_hostname': 'evil', 'vcpus': 8, 'memory_mb': 16384, 'local_gb': 100}
    for host in ('victim', None):
        refused(cloud, 'compute_nodes_report as %s' % host,
                lambda: report(host, [dict(BIG)]))
    bad = {
        'too many nodes': [dict(own, hypervisor_hostname='evil-n%d' % i) for i in range(1001)],
        'not a list': dict(own),
        'one node huge among good ones': [dict(own), dict(BIG, hypervisor_hostname='evil-x')],
        'memory_mb string': [dict(own, memory_mb='16384')],
        'negative vcpus': [dict(own, vcpus=-8)],
        'no vcpus': [{k: v for k, v in own.items() if k != 'vcpus'}],
        'name 10k characters': [dict(own, hypervisor_hostname='e' * 10000)],
        'cpu_info 1 MB': [dict(own, cpu_info='x' * (1 << 20))],
    }
    for name, nodes in bad.items():
        refused(cloud, 'compute_nodes_report %s' % name, lambda: report('evil', nodes))
    refused(cloud, 'compute_nodes_report ratio 1e9',
            lambda: report('evil', [dict(own)], ratios={'cpu': 1e9, 'ram': 1.0, 'disk': 1.0}))
    refused(cloud, 'compute_nodes_report reserved negative',
            lambda: report('evil', [dict(own)], reserved=dict(RES, vcpus=-100)))


def test_builds_alive_only_for_its_own(cloud, attacker):
    """builds_alive (conductor 4.3): malformed, refused; naming another
    host, or another host's instance, touches nothing (the host is the
    caller's verified one, and only its own building instances count)."""
    api = conductor(attacker)
    for host in ('victim', None):
        refused(cloud, 'builds_alive as %s' % host,
                lambda: api.builds_alive(ctx(), host, [cloud.victim_uuid]),
                check=lambda touched: touched == 0)
    for name, uuids in {'1001 uuids': [str(uuid.uuid4()) for _i in range(1001)],
                        'not a list': cloud.victim_uuid,
                        'a 10k string': ['x' * 10000], 'numbers': [1, 2]}.items():
        refused(cloud, 'builds_alive %s' % name,
                lambda: api._call(ctx(), 'builds_alive', version='4.3', host='evil',
                                  instance_uuids=uuids))
    refused(cloud, "builds_alive of victim's instance as itself",
            lambda: api.builds_alive(ctx(), 'evil', [cloud.victim_uuid]),
            check=lambda touched: touched == 0)


def test_batched_steps_act_only_on_own_instances(cloud, attacker):
    """instance_steps (conductor 4.1): every item is checked; one item naming
    another host's instance, a bad value or a forged request id refuses the
    whole call before anything is written."""
    from novalite.compute import conductor_steps as steps
    api, v, own = conductor(attacker), cloud.victim_uuid, cloud.own_uuid

    def item(uuid_, *step_list, request_id=None):
        return {'instance_uuid': uuid_, 'request_id': request_id, 'steps': list(step_list)}
    power = steps.update({'power_state': 1})
    attacks = {
        'victim alone': [item(v, power)],
        'victim behind own': [item(own, power), item(v, power)],
        'victim claim': [item(v, steps.claim('evil'))],
        'victim event': [item(v, steps.events(('compute_x', 'start')))],
        'own moved to victim': [item(own, steps.update({'host': 'victim'}))],
        'own user_data': [item(own, steps.update({'user_data': 'aGk='}))],
        'own vm_state bogus': [item(own, steps.update({'vm_state': 'bogus'}))],
        'own event outside compute_*': [item(own, steps.events(('conductor_x', 'start')))],
        'own claimed twice': [item(own, steps.claim('evil'), steps.claim('evil'))],
        'own named twice': [item(own, power), item(own, power)],
        'own unknown step': [item(own, {'delete': True})],
        'own forged request id': [item(own, power, request_id="' OR 1=1 --")],
        'not a uuid': [item("' OR 1=1 --", power)],
        'no items': [],
    }
    for host in ('evil', 'victim', None):
        for name, items in attacks.items():
            refused(cloud, 'instance_steps as %s: %s' % (host, name),
                    lambda: api.instance_steps(ctx(), host, items))
    # its own instance, legitimately: answered per item
    answers = api.instance_steps(ctx(), 'evil', [item(own, power)])
    assert answers[0]['error'] is None and 'updated_at' in answers[0]['changes']


def test_build_path_and_orders(cloud, attacker):
    from novalite.conductor import rpcapi as conductor_rpcapi
    from novalite.objects.instance import Instance
    from novalite.objects.request_spec import Selection
    from novalite.scheduler import rpcapi as scheduler_rpcapi
    task = conductor_rpcapi.ComputeTaskAPI()
    sel = [Selection(service_host='evil', nodename='evil', compute_node_id=1, limits={})]
    for name, uuid_ in (('victim', cloud.victim_uuid), ('own ACTIVE', cloud.own_uuid)):
        inst = Instance(uuid=uuid_)
        TRIED.append('build_instances move %s to evil' % name)
        before = snapshot(cloud)
        task.build_instances(ctx(is_admin=True, roles=['admin']), [inst], {}, {}, 'pw',
                             [], 'none', [], request_spec=None, host_lists=[sel])
        wait_for(lambda: 'Refused RPC conductor.build_instances' in cloud.log_text('conductor'),
                 10, what='conductor refusal')
        assert snapshot(cloud) == before
        REFUSED.append('build_instances move %s to evil' % name)
    sched = scheduler_rpcapi.SchedulerAPI()
    refused(cloud, 'select_destinations as compute',
            lambda: sched.select_destinations(ctx(), None, [cloud.victim_uuid]))
    # orders to another compute: a compute takes them only from the control plane
    from novalite.compute import rpcapi as compute_rpcapi
    capi = compute_rpcapi.ComputeAPI()
    refused(cloud, 'get_console_output of victim host',
            lambda: capi.get_console_output(ctx(), Instance(uuid=cloud.victim_uuid), 'victim'))
    TRIED.append('terminate_instance on victim host')
    before = snapshot(cloud)
    capi.terminate_instance(ctx(), Instance(uuid=cloud.victim_uuid), 'victim')
    wait_for(lambda: 'Refused RPC compute.terminate_instance' in cloud.log_text('victim'), 10,
             what='victim refusal')
    assert snapshot(cloud) == before
    REFUSED.append('terminate_instance on victim host')


def _raw_client(rpc, topic='conductor', namespace=None):
    return messaging.get_rpc_client(rpc.TRANSPORT, messaging.Target(
        topic=topic, namespace=namespace, version='4.0'), serializer=None)


def test_stranger_and_forgeries(cloud, attacker):
    from novalite.security import keys, signing
    rpc = attacker
    raw = _raw_client(rpc).prepare(timeout=10)
    c = ctx().to_dict()
    refused(cloud, 'unsigned call', lambda: raw.call(dict(c), 'service_heartbeat', host='ghost',
                                                     binary='novalite-compute', topic='compute'))
    made_up = signing.Signer(keys.Identity('novalite-compute', 'ghost'), keys.generate())
    msg = {'method': 'service_heartbeat', 'namespace': None, 'version': '4.0',
           'args': {'host': 'ghost', 'binary': 'novalite-compute', 'topic': 'compute'}}
    for name, signer in (('unenrolled host ghost', made_up),
                         ('made-up key claiming evil',
                          signing.Signer(keys.Identity('novalite-compute', 'evil'),
                                         keys.generate())),
                         ('made-up key claiming conductor',
                          signing.Signer(keys.Identity('novalite-conductor', 'x'),
                                         keys.generate()))):
        cd = dict(c)
        cd[signing.AUTH_KEY] = signer.sign(dict(c), msg, 'conductor')
        refused(cloud, 'forged: %s' % name,
                lambda: raw.call(cd, 'service_heartbeat', **msg['args']))
    assert not cloud.query("SELECT count(*) FROM services WHERE host = 'ghost'")[0][0]

    good = rpc.SIGNERS['novalite-compute']
    client = conductor(rpc).client.prepare(version='4.0', timeout=10)
    # tampered: signed for its own host, arguments changed afterwards
    cd, args = client._signed(ctx(), 'instance_update',
                              {'host': 'evil', 'instance_uuid': cloud.own_uuid,
                               'updates': {'power_state': 1}})
    args['instance_uuid'] = cloud.victim_uuid
    refused(cloud, 'tampered arguments', lambda: client._client.call(cd, 'instance_update', **args))
    cd, args = client._signed(ctx(), 'instances_on_host', {'host': 'evil'})
    cd['is_admin'], cd['roles'] = True, ['admin']
    refused(cloud, 'tampered context (is_admin)',
            lambda: client._client.call(cd, 'instances_on_host', **args))
    # replayed: the same signed message twice
    cd, args = client._signed(ctx(), 'instances_on_host', {'host': 'evil'})
    client._client.call(dict(cd), 'instances_on_host', **args)
    refused(cloud, 'replayed message',
            lambda: client._client.call(dict(cd), 'instances_on_host', **args))
    # expired: a valid signature over an old timestamp
    old = dict(ctx().to_dict())
    ts, nonce = time.time() - 3600, uuid.uuid4().hex
    m = {'method': 'instances_on_host', 'namespace': None, 'version': '4.0',
         'args': {'host': 'evil'}}
    sig = good._key.sign(signing.signed_bytes(good.identity, 'conductor', old, m, ts, nonce))
    old[signing.AUTH_KEY] = {'sender': list(good.identity), 'to': 'conductor', 'ts': ts,
                             'nonce': nonce, 'sig': base64.b64encode(sig).decode()}
    refused(cloud, 'expired message', lambda: raw.call(old, 'instances_on_host', host='evil'))
    # redirected: signed for the conductor, sent to the scheduler
    cd, args = client._signed(ctx(), 'select_destinations', {'spec_obj': None,
                                                            'instance_uuids': []})
    sraw = messaging.get_rpc_client(rpc.TRANSPORT, messaging.Target(
        topic='scheduler', version='4.5')).prepare(timeout=10)
    refused(cloud, 'message redirected to another topic',
            lambda: sraw.call(cd, 'select_destinations', **args))


def test_zz_attacks_counted(cloud):
    assert TRIED and TRIED == REFUSED, set(TRIED) - set(REFUSED)
    print('\n%d attacks tried, %d refused with nothing changed' % (len(TRIED), len(REFUSED)))
