"""The compute and conductor managers' branches, in one process: oslo.messaging's
fake:// transport and SQLite (the mode novalite-all ships), a conductor, a
scheduler and two compute hosts on the fake driver.  Each test boots through
compute.api and asserts what the database, the faults and the claims say."""
import oslo_messaging as messaging
import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.cmd import conductor as conductor_cmd
from novalite.cmd import scheduler as scheduler_cmd
from novalite.compute import api as compute_api
from novalite.compute import manager as compute_manager
from novalite.conductor import rpcapi as conductor_rpcapi
from novalite import context as nl_context
from novalite import exception
from novalite.db import api as db
from novalite.db import catalog as db_catalog
from novalite.db import hosts as db_hosts
from novalite.db import migration
from novalite.db import session as db_session
from novalite import hooks
from novalite.image import api as image_api
from novalite import rpc
from novalite import service
from tests.cloud import wait_for

CONF = cfg.CONF
HOSTS = ('h1', 'h2')
EXHAUSTED = 'Exhausted all hosts available for retrying build failures for instance %s.'


class Cell:
    def __init__(self, computes, flavor, image):
        self.computes, self.flavor, self.image = computes, flavor, image
        self.ctx = nl_context.RequestContext(user_id='u1', project_id='p1', is_admin=True)
        self.api = compute_api.API()

    def boot(self, name, flavor=None, **kwargs):
        instances, _resv = self.api.create(self.ctx, flavor or self.flavor, self.image['id'],
                                           display_name=name, requested_networks='none',
                                           **kwargs)
        return instances[0].uuid

    @staticmethod
    def instance(uuid):
        return db.instance_get_by_uuid(uuid, read_deleted=True)

    def wait_vm_state(self, uuid, state, timeout=30):
        wait_for(lambda: self.instance(uuid).vm_state == state, timeout,
                 what='%s %s' % (uuid, state))
        return self.instance(uuid)

    @staticmethod
    def fault(uuid):
        return db.instance_fault_get_latest([uuid]).get(uuid)

    @staticmethod
    def usage(host):
        node = db_hosts.compute_node_get_all(host=host)[0]
        return node['vcpus_used'], node['memory_mb_used'], node['running_vms']

    def build_done(self, host, uuid):
        """The compute's build of ``uuid`` returned (its lock is dropped)."""
        mgr = self.computes[host].manager
        return uuid not in mgr._locks._locks


@pytest.fixture(scope='module')
def cell(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('cell')
    overrides = {(None, 'state_path'): str(tmp), (None, 'transport_url'): 'fake://',
                 (None, 'host'): 'controller', (None, 'compute_driver'): 'fake',
                 ('database', 'connection'): 'sqlite:///%s' % (tmp / 'novalite.sqlite'),
                 ('scheduler', 'max_attempts'): 3}
    for (group, name), value in overrides.items():
        CONF.set_override(name, value, group)
    db_session.dispose_engine()
    migration.db_sync()
    rpc.init(identities=['novalite-api', 'novalite-conductor', 'novalite-scheduler'],
             enrol_missing=True)
    for host in HOSTS:                  # each in-process compute signs as itself
        rpc.add_identity('novalite-compute', host, enrol_missing=True)
    services = [conductor_cmd.make_service(), scheduler_cmd.make_service()]
    for host in HOSTS:
        mgr = compute_manager.ComputeManager(host)
        services.append(service.Service(host, 'novalite-compute', 'compute', mgr,
                                        report_state=mgr.report_state))
    try:
        for svc in services:
            svc.start()
        flavor = db_catalog.flavor_create({'flavorid': '1', 'name': 'tiny', 'memory_mb': 64,
                                           'vcpus': 1, 'root_gb': 0, 'ephemeral_gb': 0,
                                           'swap': 0})
        disk = tmp / 'disk.raw'
        disk.write_bytes(b'\0' * 4096)
        image = image_api.import_file(nl_context.get_admin_context(), 'img', str(disk))
        c = Cell({s.host: s for s in services[2:]}, flavor, image)
        c.conductor = services[0]
        yield c
    finally:
        for svc in reversed(services):
            svc.stop()
        rpc.cleanup()
        db_session.dispose_engine()
        for (group, name) in overrides:
            CONF.clear_override(name, group)


@pytest.fixture
def fake_driver_opts():
    set_ = []

    def override(**kwargs):
        for name, value in kwargs.items():
            CONF.set_override(name, value, 'fake_driver')
            set_.append(name)
    yield override
    for name in set_:
        CONF.clear_override(name, 'fake_driver')


def test_build_instance_hook_runs_around_a_build(cell, monkeypatch):
    seen = []

    class Recorder:
        def pre(self, manager, context, instance, *args, **kwargs):
            seen.append(('pre', manager.host, instance.uuid))

        def post(self, rv, manager, context, instance, *args, **kwargs):
            seen.append(('post', manager.host, instance.uuid))
    monkeypatch.setitem(hooks._MANAGERS, 'build_instance', [Recorder()])
    uuid = cell.boot('hooked')
    inst = cell.wait_vm_state(uuid, 'active')
    wait_for(lambda: len(seen) == 2, 10, what='the post hook')
    assert seen == [('pre', inst.host, uuid), ('post', inst.host, uuid)]
    assert cell.fault(uuid) is None


def test_reschedule_until_alternates_run_out_names_each_host(cell, fake_driver_opts):
    """The spawn fails on every host: rescheduled to the alternate, then ERROR
    with a fault listing each host tried and its error; no claim left."""
    fake_driver_opts(spawn_failure_name_regex='^doomed')
    before = {h: cell.usage(h) for h in HOSTS}
    uuid = cell.boot('doomed')
    inst = cell.wait_vm_state(uuid, 'error')
    assert inst.task_state is None and inst.host is None and inst.node is None
    message = cell.fault(uuid)['message']
    # the hosts failed alike: one entry names them all, with the whole error
    assert message.startswith(EXHAUSTED % uuid + ' Hosts tried: '), message
    tried, _sep, error = message.split(' Hosts tried: ', 1)[1].partition(': ')
    assert sorted(tried.split(', ')) == sorted(HOSTS), message
    assert error.startswith('FakeSpawnError: fake driver: injected spawn failure for ')
    assert not message.endswith('...'), message
    assert len(message) <= 255
    wait_for(lambda: all(cell.build_done(h, uuid) for h in HOSTS), 10, what='builds done')
    assert {h: cell.usage(h) for h in HOSTS} == before
    for host in HOSTS:
        assert uuid not in cell.computes[host].manager.driver.list_instance_uuids()


def test_claim_failure_on_a_forced_host_ends_in_error(cell):
    """A flavor bigger than the node, forced onto h1 (the filters are
    skipped): the claim fails, the only host is tried, ERROR names the claim."""
    big = db_catalog.flavor_create({'flavorid': 'huge', 'name': 'huge', 'memory_mb': 64,
                                    'vcpus': 1, 'root_gb': 900000, 'ephemeral_gb': 0,
                                    'swap': 0})
    before = cell.usage('h1')
    uuid = cell.boot('too-big', flavor=big, forced_host='h1')
    cell.wait_vm_state(uuid, 'error')
    message = cell.fault(uuid)['message']
    assert message == EXHAUSTED % uuid + (
        ' Hosts tried: h1: Insufficient compute resources: node has not 1 vCPU, 64 MB RAM'
        ' and 900000 GB disk free.')
    wait_for(lambda: cell.build_done('h1', uuid), 10, what='build returned')
    assert cell.usage('h1') == before


def test_compute_restart_hands_its_builds_back(cell, fake_driver_opts):
    """_init_instances: a build caught by a restart is handed back to the
    conductor (no host, scheduling, claim released) for a reschedule, not
    failed; a build this process is running is left alone."""
    fake_driver_opts(spawn_delay=1.0)
    before = cell.usage('h1')
    uuid = cell.boot('interrupted', forced_host='h1')
    wait_for(lambda: cell.instance(uuid).task_state == 'spawning', 10, what='spawning')
    assert cell.usage('h1')[2] == before[2] + 1
    mgr = cell.computes['h1'].manager
    mgr._init_instances(cell.ctx)               # running here: not touched
    assert cell.instance(uuid).task_state == 'spawning'
    with mgr._building_lock:
        mgr._building.discard(uuid)             # what a restart forgets
    mgr._init_instances(cell.ctx)
    inst = cell.instance(uuid)
    assert (inst.vm_state, inst.task_state, inst.host) == ('building', 'scheduling', None)
    assert cell.fault(uuid) is None
    assert cell.usage('h1') == before
    # the interrupted spawn then finds its instance taken and cleans up
    wait_for(lambda: cell.build_done('h1', uuid), 10, what='build returned')
    assert uuid not in mgr.driver.list_instance_uuids()
    assert cell.usage('h1') == before


def test_instance_deleted_during_build_releases_everything(cell, fake_driver_opts):
    fake_driver_opts(spawn_delay=1.0)
    before = cell.usage('h2')
    uuid = cell.boot('vanishing', forced_host='h2')
    wait_for(lambda: cell.instance(uuid).task_state == 'spawning', 10, what='spawning')
    db.instance_destroy(uuid)
    wait_for(lambda: cell.build_done('h2', uuid), 10, what='build returned')
    assert uuid not in cell.computes['h2'].manager.driver.list_instance_uuids()
    assert cell.usage('h2') == before
    assert cell.fault(uuid) is None
    assert cell.instance(uuid).vm_state == 'deleted'


def test_instance_gone_before_build_starts(cell):
    """A build whose instance was deleted before the compute picked it up
    does nothing: no fault, no claim."""
    before = cell.usage('h1')
    uuid = cell.boot('gone-early', forced_host='h1')
    inst = cell.wait_vm_state(uuid, 'active')
    cell.api.delete(cell.ctx, inst)
    wait_for(lambda: cell.instance(uuid).vm_state == 'deleted', 10, what='deleted')
    mgr = cell.computes['h1'].manager
    mgr._do_build_and_run_instance(cell.ctx, inst, cell.image, None, {}, None, None, 'none',
                                   None, None, 'h1', None, [])
    assert cell.fault(uuid) is None
    assert cell.usage('h1') == before


def test_fail_build_only_for_the_owning_host(cell, fake_driver_opts):
    """The conductor's fail_build acts only on a build of the calling host."""
    fake_driver_opts(spawn_delay=1.0)
    uuid = cell.boot('owned', forced_host='h1')
    wait_for(lambda: cell.instance(uuid).task_state == 'spawning', 10, what='spawning')
    api = conductor_rpcapi.ConductorAPI()
    with pytest.raises(exception.NotAllowedByHost):     # signed by h2's key: refused
        api.fail_build(cell.ctx, 'h2', uuid, 'not yours', '')
    assert cell.instance(uuid).vm_state == 'building'
    assert cell.fault(uuid) is None
    cell.wait_vm_state(uuid, 'active')


def test_periodic_tasks_are_not_rpc_methods(cell):
    task = rpc.get_client(messaging.Target(topic='conductor', namespace='compute_task',
                                           version='1.0'), sender='novalite-api')
    proxy = rpc.get_client(messaging.Target(topic='conductor', version='4.0'),
                           sender='novalite-compute')
    for method in ('redrive_builds', 'report_state', 'periodic_tasks'):
        with pytest.raises(messaging.NoSuchMethod):
            task.prepare(timeout=5).call(cell.ctx, method)
        with pytest.raises(exception.ServiceNotAuthorized):      # not a compute call
            proxy.prepare(timeout=5).call(cell.ctx, method)


def test_access_ipv6_stored_compressed(cell):
    """Nova's IPV6AddressField: the address is kept in its compressed form."""
    uuid = cell.boot('v6', access_ip_v6='2001:0DB8:0000:0000::0001')
    inst = cell.instance(uuid)
    assert inst.access_ip_v6 == '2001:db8::1'
    inst = cell.api.update_instance(cell.ctx, inst, {'access_ip_v6': 'fe80:0:0::0:a'})
    assert inst.access_ip_v6 == 'fe80::a'


def test_conductor_refuses_the_old_major_version(cell):
    """4.0 replaced instance_fault_create by fail_build: a 3.x caller is refused
    (by the compute-call allow-list before the version check)."""
    client = rpc.get_client(messaging.Target(topic='conductor', version='3.0'),
                            sender='novalite-compute')
    with pytest.raises((messaging.UnsupportedVersion, exception.ServiceNotAuthorized)):
        client.prepare(timeout=5).call(cell.ctx, 'instance_fault_create', host='h1',
                                       instance_uuid='x', code=500, message='m', details='')


def test_build_timeout_is_the_last_resort_and_names_the_step(cell, fake_driver_opts):
    """A build still going past [conductor] build_timeout is ERROR with a
    fault naming the step it was stuck in; its claim is released."""
    import datetime

    from novalite.conductor import redrive
    fake_driver_opts(spawn_delay=1.0)
    before = cell.usage('h1')
    uuid = cell.boot('too-slow', forced_host='h1')
    wait_for(lambda: cell.instance(uuid).task_state == 'spawning', 10, what='spawning')
    later = db_session.now() + datetime.timedelta(seconds=CONF.conductor.build_timeout + 1)
    # marked alive at that moment (as the compute holding it does, conductor
    # 4.3 builds_alive): it does not look stalled, and still times out
    import sqlalchemy as sa
    from novalite.db import models as m
    with db_session.writer() as session:
        for model, col in ((m.BuildRequest, m.BuildRequest.instance_uuid),
                           (m.Instance, m.Instance.uuid)):
            session.execute(sa.update(model).where(col == uuid).values(updated_at=later))
    done = redrive.BuildRedriver().redrive_builds(now=later)
    assert done[uuid] == 'timed out'
    assert cell.instance(uuid).vm_state == 'error'
    assert cell.fault(uuid)['message'] == (
        'Build of instance %s timed out: still spawning on compute host h1 after %d s'
        % (uuid, CONF.conductor.build_timeout))
    assert cell.usage('h1') == before
    wait_for(lambda: cell.build_done('h1', uuid), 10, what='build returned')
    assert cell.usage('h1') == before


def test_a_host_of_many_nodes_reports_them_in_one_conductor_call(cell, fake_driver_opts,
                                                                 monkeypatch):
    """The resource report of a compute with 300 fake nodes is one conductor
    call (4.2); a conductor capped at 4.0 gets one call per node."""
    from novalite.compute import resource_tracker
    from novalite.virt import fake
    fake_driver_opts(nodes=300)
    rpc.add_identity('novalite-compute', 'many', enrol_missing=True)
    driver = fake.FakeDriver()
    driver.init_host('many')
    ctx = nl_context.get_admin_context()

    def report():
        api, calls = conductor_rpcapi.ConductorAPI(), []
        real = api._call
        monkeypatch.setattr(api, '_call', lambda c, method, **kw: calls.append(method)
                            or real(c, method, **kw))
        return resource_tracker.ResourceTracker('many', driver, api).update_available_resource(
            ctx), calls
    nodes, calls = report()
    assert calls == ['compute_nodes_report']
    assert len(nodes) == 300 == len(db_hosts.compute_node_get_all(host='many'))
    CONF.set_override('conductor', '4.0', group='upgrade_levels')
    try:
        fake_driver_opts(nodes=3)
        driver.init_host('many')
        nodes, calls = report()
    finally:
        CONF.clear_override('conductor', group='upgrade_levels')
    assert calls == ['compute_node_report'] * 3
    assert [n['hypervisor_hostname'] for n in nodes] == ['many-node1', 'many-node2', 'many-node3']


def test_lifecycle_events_save_the_power_state_only_without_a_task(cell, monkeypatch):
    """As Nova: the started guest of a build is not saved on its own (the
    build's last save sets the power state); an instance with no task gets
    the driver's state; one with a task pending keeps its own."""
    from novalite.virt import driver as virt_driver
    mgr = cell.computes['h1'].manager
    sent, run = [], mgr.steps.run
    monkeypatch.setattr(mgr.steps, 'run', lambda ctx, uuid, steps: (
        sent.append((uuid, steps)), run(ctx, uuid, steps))[1])
    uuid = cell.boot('lifecycle', forced_host='h1')
    inst = cell.wait_vm_state(uuid, 'active')
    wait_for(lambda: cell.build_done('h1', uuid), 10, what='build returned')
    assert inst.power_state == 1
    power_only = [s for u, s in sent
                  if u == uuid and len(s) == 1 and s[0].get('update') == {'power_state': 1}]
    assert power_only == []                 # the fake driver's started event, skipped

    event = virt_driver.LifecycleEvent
    mgr.handle_lifecycle_event(event(uuid, virt_driver.EVENT_LIFECYCLE_STOPPED))
    inst = cell.instance(uuid)
    assert (inst.power_state, inst.vm_state) == (4, 'stopped')

    db.instance_update(uuid, {'task_state': 'powering-on'})
    mgr.handle_lifecycle_event(event(uuid, virt_driver.EVENT_LIFECYCLE_STARTED))
    inst = cell.instance(uuid)
    assert (inst.power_state, inst.task_state) == (4, 'powering-on')
