"""The compute's group commit of build steps (compute/conductor_steps.py):
one call in flight per host, the steps queued meanwhile in the next call, and
never two items of one instance in a call (the conductor refuses such a call
whole): a lifecycle event's save may queue beside its build's own steps."""
import threading

import pytest

from novalite.compute import conductor_steps
from novalite import exception
from tests.cloud import wait_for


class Ctx:
    request_id = 'req-1'


class BlockingConductor:
    """instance_steps answers each item; the first call waits to be released."""

    def __init__(self):
        self.batches, self.release, self.first = [], threading.Event(), True
        self.entered = threading.Event()

    def can_send_version(self, version):
        return True

    def instance_steps(self, context, host, items):
        self.batches.append([i['instance_uuid'] for i in items])
        if self.first:
            self.first = False
            self.entered.set()
            assert self.release.wait(30)
        return [{'instance': i['instance_uuid'], 'failed_step': None, 'error': None,
                 'message': None} for i in items]


def test_one_instance_twice_goes_in_two_calls():
    api = BlockingConductor()
    steps = conductor_steps.ConductorSteps(api, 'h1')
    answers = {}

    def run(name, uuid):
        answers[name] = steps.run(Ctx(), uuid, [conductor_steps.events(('e', 'start'))])

    first = threading.Thread(target=run, args=('a1', 'A'))
    first.start()
    assert api.entered.wait(30)               # A's call is in flight
    others = [threading.Thread(target=run, args=args)
              for args in (('a2', 'A'), ('b', 'B'), ('a3', 'A'), ('c', 'C'))]
    for t in others:
        t.start()
    wait_for(lambda: len(steps._queue) == 4, 30, what='four items queued')
    api.release.set()
    for t in [first] + others:
        t.join(30)
    assert sorted(answers) == ['a1', 'a2', 'a3', 'b', 'c']
    assert all(answers[k]['instance'] == k[0].upper() for k in answers)
    for batch in api.batches:
        assert len(batch) == len(set(batch)), api.batches
    # queued in the order A, B, A, C: the second call takes A, B, C; the last A follows
    assert api.batches == [['A'], ['A', 'B', 'C'], ['A']]
    assert steps._in_flight == 0


def test_instance_after_each_form_of_answer():
    from novalite.objects.instance import Instance
    mine = Instance(uuid='u1', task_state='scheduling', progress=0)
    read = Instance(uuid='u1', task_state='networking', progress=0)
    save = [conductor_steps.update({'task_state': 'networking'}, ['scheduling'])]
    ok = {'failed_step': None, 'error': None, 'message': None}
    # 4.1: the instance read back; no save: the compute's own
    assert conductor_steps.instance_after(dict(ok, instance=read), mine, save) is read
    assert conductor_steps.instance_after(dict(ok, instance=None), mine, []) is mine
    # 4.4: the compute's copy with its saves and the conductor's changes
    after = conductor_steps.instance_after(
        dict(ok, instance=None, changes={'updated_at': 'then'}), mine, save)
    assert (after.task_state, after.updated_at, mine.task_state) == \
        ('networking', 'then', 'scheduling')
    with pytest.raises(exception.UnexpectedTaskStateError):
        conductor_steps.instance_after(
            dict(ok, instance=None, changes={}, failed_step=0,
                 error='UnexpectedTaskStateError', message='no'), mine, save)


class RecordingConductor:
    def __init__(self):
        self.batches = []

    def can_send_version(self, version):
        return True

    def instance_steps(self, context, host, items):
        self.batches.append([i['instance_uuid'] for i in items])
        return [{'instance': i['instance_uuid'], 'failed_step': None, 'error': None,
                 'message': None} for i in items]


def _build(steps, uuid, done):
    """A build (inside ``building``) that runs one step group."""
    def body():
        with steps.building():
            done[uuid] = steps.run(Ctx(), uuid, [conductor_steps.events(('e', 'start'))])
    t = threading.Thread(target=body)
    t.start()
    return t


@pytest.fixture
def long_linger(monkeypatch):
    # long enough that a call which waits when it should not fails the test
    monkeypatch.setattr(conductor_steps, 'LINGER_S', 60)


def test_with_a_backlog_a_call_waits_for_the_builds_near_their_steps(long_linger):
    api = RecordingConductor()
    steps = conductor_steps.ConductorSteps(api, 'h1', backlog=lambda: True)
    done = {}
    near = steps.building()
    near.__enter__()                    # B: between two step groups
    a = _build(steps, 'A', done)        # A queues and waits for B
    wait_for(lambda: len(steps._queue) == 1 and steps._in_flight == 1, 30,
             what="A's call waiting")
    assert api.batches == []
    b = threading.Thread(target=lambda: done.update(
        B=steps.run(Ctx(), 'B', [conductor_steps.events(('e', 'start'))])))
    b.start()
    for t in (a, b):
        t.join(30)
    near.__exit__(None, None, None)
    assert api.batches == [['A', 'B']]
    assert sorted(done) == ['A', 'B'] and steps._near == 0


def test_no_wait_without_a_backlog_or_for_a_build_away(long_linger):
    api = RecordingConductor()
    backlog = [False]
    steps = conductor_steps.ConductorSteps(api, 'h1', backlog=lambda: backlog[0])
    done = {}
    near = steps.building()
    near.__enter__()
    a = _build(steps, 'A', done)        # no backlog: leaves at once
    a.join(30)
    assert not a.is_alive() and api.batches == [['A']]
    backlog[0] = True
    with steps.away():                  # the other build spawns: not waited for
        c = _build(steps, 'C', done)
        c.join(30)
        assert not c.is_alive() and api.batches == [['A'], ['C']]
    near.__exit__(None, None, None)
    assert steps._near == 0
