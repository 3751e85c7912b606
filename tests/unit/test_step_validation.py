"""The conductor's check of instance_steps (conductor/validation.py): every
step is held to its kind's schema, and a refusal says where the bad value is."""
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


def test_valid_steps_pass():
    spawn = steps.update({'vm_state': 'building', 'task_state': 'spawning'}, ['scheduling'])
    start = steps.events(('compute__do_build_and_run_instance', 'start'))
    call([spawn, start, steps.claim('node1')], [spawn, start])


def test_a_bad_step_is_refused_where_it_is():
    good = steps.update({'vm_state': 'active'})
    call([good])
    assert 'at items/1/steps/0/update/vm_state' in refusal(
        [good], [steps.update({'vm_state': 'evil'})])
    # the same step but for one value's JSON type
    ok = steps.update({'power_state': 1}, ['spawning'])
    call([ok])
    assert 'at items/0/steps/0/check_task_state' in refusal(
        [dict(ok, check_task_state=1)])
    # a step of no known kind; a field no step kind has
    assert 'not a step' in refusal([{'evict': 'everyone'}])
    refusal([dict(steps.claim('node1'), update={'vm_state': 'active'})])
    # the call's own shape: an item without steps, a request id that is not one
    assert 'at items/0' in refusal([])
    assert 'at items/0/request_id' in refusal_of({'items': [
        {'instance_uuid': UUIDS[0], 'request_id': 'a b', 'steps': [ok]}]})
    # booleans are not numbers, nor power states
    assert 'at items/0/steps/0/update/power_state' in refusal(
        [steps.update({'power_state': True}, ['spawning'])])
    assert 'at items/0/steps/0/update/progress' in refusal(
        [steps.update({'progress': 101})])
    assert 'at changes' in refusal_of({'changes': 'yes', 'items': [
        {'instance_uuid': UUIDS[0], 'request_id': None, 'steps': [ok]}]})


def refusal_of(args):
    with pytest.raises(exception.ServiceNotAuthorized) as info:
        validation.validate_compute_call(ME, 'instance_steps', args)
    return info.value.format_message()
