"""The conductor's check of instance_steps (conductor/validation.py): every
step is held to the step schema, and a step text already found valid is not
checked again, without letting anything through that the schema refuses."""
import pytest

from novalite.compute import conductor_steps as steps
from novalite.conductor import validation
from novalite import exception
from novalite.security import keys

ME = keys.Identity(keys.COMPUTE, 'compute1')
UUIDS = ['6f1b8c8e-0000-4000-8000-%012d' % i for i in range(3)]


def call(*step_lists):
    items = [{'instance_uuid': u, 'request_id': None, 'steps': list(s)}
             for u, s in zip(UUIDS, step_lists)]
    validation.validate_compute_call(ME, 'instance_steps', {'items': items})


def refusal(*step_lists):
    with pytest.raises(exception.ServiceNotAuthorized) as info:
        call(*step_lists)
    return info.value.format_message()


@pytest.fixture(autouse=True)
def empty_memo(monkeypatch):
    monkeypatch.setattr(validation, '_valid_steps', set())


def test_valid_steps_pass_and_are_remembered():
    spawn = steps.update({'vm_state': 'building', 'task_state': 'spawning'}, ['scheduling'])
    start = steps.events(('compute__do_build_and_run_instance', 'start'))
    call([spawn, start, steps.claim('node1')], [spawn, start])
    assert len(validation._valid_steps) == 3


def test_a_bad_step_is_refused_where_it_is_even_beside_remembered_ones():
    good = steps.update({'vm_state': 'active'})
    call([good])
    assert 'at items/1/steps/0/update/vm_state' in refusal(
        [good], [steps.update({'vm_state': 'evil'})])
    # the same step but for one value's JSON type: a different text, checked
    ok = steps.update({'power_state': 1}, ['spawning'])
    call([ok])
    assert 'at items/0/steps/0/check_task_state' in refusal(
        [dict(ok, check_task_state=1)])
    # a step of no known kind; a field no step kind has
    refusal([{'evict': 'everyone'}])
    refusal([dict(steps.claim('node1'), update={'vm_state': 'active'})])
    assert len(validation._valid_steps) == 2


def test_the_memo_is_bounded(monkeypatch):
    monkeypatch.setattr(validation, 'VALID_STEPS_MAX', 4)
    for progress in range(10):
        call([steps.update({'progress': progress})])
        assert len(validation._valid_steps) <= 4
