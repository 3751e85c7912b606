"""The compute's group commit of build steps (compute/conductor_steps.py):
one call in flight per host, the steps queued meanwhile in the next call, and
never two items of one instance in a call (the conductor refuses such a call
whole): a lifecycle event's save may queue beside its build's own steps."""
import threading

from novalite.compute import conductor_steps
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
