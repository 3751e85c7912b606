"""What the conductor checks before it runs a call from a compute host.

The RPC dispatcher (``security/dispatcher.py``) has already verified the
caller's signature; ``identity`` is who it is.  Here the caller's ``host`` is
replaced by its identity's host (whatever it sent), instance-touching calls
must name an instance scheduled to that host, and every value must be one a
compute legitimately writes: known fields, enum states, the VIF model's
shape, numbers in sane ranges.  Anything else is refused before the manager
runs, so nothing reaches the database.
"""
import fastjsonschema
from oslo_utils import uuidutils

from novalite.compute import power_state, task_states, vm_states
from novalite.db import api as db
from novalite.db import service_keys as db_keys
from novalite import exception
from novalite.security import keys

VM_STATES = [getattr(vm_states, n) for n in dir(vm_states) if n.isupper()]
TASK_STATES = [getattr(task_states, n) for n in dir(task_states) if n.isupper()] + [None]
POWER_STATES = sorted(power_state.STATE_MAP)

_name = {'type': 'string', 'minLength': 1, 'maxLength': 255}
_opt_str = {'type': ['string', 'null'], 'maxLength': 255}
_text = {'type': ['string', 'null'], 'maxLength': 65535}
_ip = {'anyOf': [{'type': 'null'}, {'type': 'string', 'maxLength': 64},
                 {'type': 'object', 'properties': {'address': {'type': ['string', 'null'],
                                                               'maxLength': 64}}}]}
_states = lambda enum: {'anyOf': [{'enum': enum},  # noqa: E731
                                  {'type': 'array', 'items': {'enum': enum}, 'maxItems': 16}]}

# The VIF model (network/model.py): a list of VIFs, each on a network with subnets.
VIF_LIST = {
    'type': 'array', 'maxItems': 32,
    'items': {
        'type': 'object', 'required': ['id', 'address'],
        'properties': {
            'id': _name, 'address': {'type': 'string', 'pattern': '^[0-9a-fA-F:]{1,32}$'},
            'type': _opt_str, 'devname': _opt_str, 'details': {'type': ['object', 'null']},
            'network': {
                'type': ['object', 'null'],
                'properties': {
                    'id': _opt_str, 'bridge': _opt_str, 'label': _opt_str,
                    'meta': {'type': ['object', 'null']},
                    'subnets': {'type': 'array', 'maxItems': 16, 'items': {
                        'type': 'object',
                        'properties': {
                            'cidr': _opt_str, 'gateway': _ip,
                            'dns': {'type': 'array', 'maxItems': 16, 'items': _ip},
                            'ips': {'type': 'array', 'maxItems': 64, 'items': {
                                'type': 'object', 'required': ['address'],
                                'properties': {'address': {'type': 'string', 'maxLength': 64},
                                               'version': {'enum': [4, 6]},
                                               'type': _opt_str}}}}}}}}}}}

# null, or a datetime as objects/base.py sends it (the object keywords hold
# for objects only: null passes them)
_dt = {'type': ['object', 'null'], 'required': ['__dt'], 'additionalProperties': False,
       'properties': {'__dt': {'type': 'string', 'maxLength': 40}}}

UPDATES = {
    'type': 'object', 'additionalProperties': False, 'maxProperties': 16,
    'properties': {
        'vm_state': {'enum': VM_STATES}, 'task_state': {'enum': TASK_STATES},
        'power_state': {'enum': POWER_STATES}, 'launched_at': _dt,
        'network_info': VIF_LIST,
        'progress': {'type': ['integer', 'null'], 'minimum': 0, 'maximum': 100},
        'node': _opt_str, 'host': _opt_str, 'access_ip_v4': _ip, 'access_ip_v6': _ip,
    },
}

_count = lambda top: {'type': 'integer', 'minimum': 0, 'maximum': top}  # noqa: E731
_ratio = {'type': 'number', 'exclusiveMinimum': 0, 'maximum': 1000}

NODE_REPORT = {
    'type': 'object', 'required': ['resources', 'reserved', 'ratios'],
    'properties': {
        'resources': {
            'type': 'object',
            'required': ['hypervisor_hostname', 'vcpus', 'memory_mb', 'local_gb'],
            'properties': {
                'hypervisor_hostname': _name,
                'vcpus': _count(4096), 'memory_mb': _count(64 * 1024 * 1024),
                'local_gb': _count(1024 * 1024),
                'vcpus_used': _count(1 << 20), 'memory_mb_used': _count(1 << 40),
                'local_gb_used': _count(1 << 30), 'disk_available_least': {'type': 'integer'},
                'hypervisor_type': _opt_str,
                'hypervisor_version': {'type': ['integer', 'null'], 'minimum': 0,
                                       'maximum': 2 ** 31 - 1},
                'cpu_info': {'type': ['string', 'object', 'null'], 'maxLength': 65535},
                'supported_instances': {'type': ['array', 'null'], 'maxItems': 64},
                'host_ip': _ip,
            },
        },
        'reserved': {'type': 'object', 'required': ['memory_mb', 'vcpus', 'disk_gb'],
                     'properties': {'memory_mb': _count(64 * 1024 * 1024),
                                    'vcpus': _count(4096), 'disk_gb': _count(1024 * 1024)}},
        'ratios': {'type': 'object', 'required': ['cpu', 'ram', 'disk'],
                   'properties': {'cpu': _ratio, 'ram': _ratio, 'disk': _ratio}},
    },
}

NODES_REPORT = {
    'type': 'object', 'required': ['nodes', 'reserved', 'ratios'],
    'properties': dict(NODE_REPORT['properties'], nodes={
        'type': 'array', 'maxItems': 1000, 'items': NODE_REPORT['properties']['resources']}),
}
NODES_REPORT['properties'].pop('resources')

FAIL = {'type': 'object', 'required': ['message'],
        'properties': {'message': {'type': 'string', 'maxLength': 255}, 'details': _text}}

EVENT = {'type': 'object', 'required': ['event', 'phase'],
         'properties': {'event': {'type': 'string', 'pattern': '^compute_[a-z_]{1,100}$'},
                        'phase': {'enum': ['start', 'finish']},
                        'result': {'enum': [None, 'Success', 'Error']}, 'traceback': _text}}

UPDATE_CALL = {'type': 'object', 'required': ['updates'],
               'properties': {'updates': UPDATES, 'check_task_state': {'type': 'boolean'},
                              'expected_task_state': _states(TASK_STATES),
                              'expected_vm_state': _states(VM_STATES + [None])}}

# The three kinds of step, each told by its key (a step is exactly one of
# them: each kind requires its key and allows no other kind's).  A step is
# checked against its kind's schema only, not against all three in a oneOf.
_STEP_KINDS = {
    'update': {'type': 'object', 'required': ['update'], 'additionalProperties': False,
               'properties': {'update': UPDATES, 'check_task_state': {'type': 'boolean'},
                              'expected_task_state': _states(TASK_STATES),
                              'expected_vm_state': _states(VM_STATES + [None])}},
    'events': {'type': 'object', 'required': ['events'], 'additionalProperties': False,
               'properties': {'events': {'type': 'array', 'maxItems': 16,
                                         'items': dict(EVENT, additionalProperties=False)}}},
    'claim': {'type': 'object', 'required': ['claim'], 'additionalProperties': False,
              'properties': {'claim': _name, 'event': EVENT['properties']['event']}},
}
_STEP_ITEM = {
    'type': 'object', 'required': ['instance_uuid', 'steps'], 'additionalProperties': False,
    'properties': {'instance_uuid': {'type': 'string', 'maxLength': 36},
                   # a pattern holds for strings only: null passes
                   'request_id': {'type': ['string', 'null'],
                                  'pattern': '^[A-Za-z0-9_.-]{1,64}$'},
                   # each step against its kind's schema: _check_steps
                   'steps': {'type': 'array', 'minItems': 1, 'maxItems': 16,
                             'items': {'type': 'object'}}}}
STEPS_CALL = {
    'type': 'object', 'required': ['items'],
    'properties': {'changes': {'type': 'boolean'},          # 4.4
                   'items': {'type': 'array', 'minItems': 1, 'maxItems': 1000,
                             'items': _STEP_ITEM}}}

HEARTBEAT = {'type': 'object', 'properties': {'binary': {'enum': [keys.COMPUTE]},
                                              'topic': {'enum': ['compute']}}}


def _refuse(identity, method, reason):
    raise exception.ServiceNotAuthorized(identity=identity, method=method, reason=reason)


_VALIDATORS = {}


def _validator(schema):
    """The schema compiled to a Python function, once (fastjsonschema: ~30
    times faster than jsonschema here, which took ~100 µs per item of an
    instance_steps call, on every call)."""
    validator = _VALIDATORS.get(id(schema))
    if validator is None:
        validator = _VALIDATORS[id(schema)] = fastjsonschema.compile(
            dict(schema, **{'$schema': 'http://json-schema.org/draft-07/schema#'}))
    return validator


def _check(identity, method, schema, args, at=()):
    try:
        _validator(schema)(args)
    except fastjsonschema.JsonSchemaValueException as error:
        where = [str(p) for p in (error.path or ['data'])[1:]]
        message = error.message
        if error.name and message.startswith(error.name + ' '):
            message = message[len(error.name) + 1:]
        path = '/'.join([str(p) for p in at] + where)
        _refuse(identity, method, '%s at %s' % (message[:200], path or '/'))


def _check_steps(identity, method, items):
    """Each step against its own kind's schema."""
    for i, item in enumerate(items):
        for j, step in enumerate(item['steps']):
            at = ('items', i, 'steps', j)
            kind = next((k for k in _STEP_KINDS if k in step), None)
            if kind is None:
                _refuse(identity, method, 'not a step (update, events or claim) at %s'
                        % '/'.join(map(str, at)))
            _check(identity, method, _STEP_KINDS[kind], step, at=at)


def _own_instance(identity, method, args):
    """The named instance must exist and be scheduled to the caller."""
    uuid = args.get('instance_uuid')
    if not isinstance(uuid, str) or not uuidutils.is_uuid_like(uuid):
        _refuse(identity, method, 'instance_uuid is not a UUID')
    try:
        inst = db.instance_get_by_uuid(uuid)
    except exception.InstanceNotFound:
        return None                   # gone: the manager answers as it always did
    if inst.host != identity.host:
        raise exception.NotAllowedByHost(host=identity.host, instance_uuid=uuid)
    return inst


# method -> (schema of its arguments or None, touches one instance?)
COMPUTE_CALLS = {
    'service_heartbeat': (HEARTBEAT, False),
    'compute_node_report': (NODE_REPORT, False),
    'instance_claim': ({'type': 'object', 'properties': {'nodename': _name}}, True),
    'abort_instance_claim': (None, True),
    'instance_update': (UPDATE_CALL, True),
    'fail_build': (FAIL, True),
    'action_event': (EVENT, True),
    'instance_destroy': (None, True),
    'instances_on_host': (None, False),
    'instance_steps': (STEPS_CALL, False),      # each item: _own_instances
    'compute_nodes_report': (NODES_REPORT, False),
    # only the caller's own building instances are touched (db/builds.py)
    'builds_alive': ({'type': 'object', 'required': ['instance_uuids'], 'properties': {
        'instance_uuids': {'type': 'array', 'maxItems': 1000,
                           'items': {'type': 'string', 'maxLength': 36}}}}, False),
}


def validate_compute_call(identity, method, args):
    """The conductor's compute-facing API (``ConductorAPI``)."""
    if method not in COMPUTE_CALLS:
        _refuse(identity, method, 'not a compute call')
    schema, touches_instance = COMPUTE_CALLS[method]
    args['host'] = identity.host            # never the host the caller named
    if schema is not None:
        _check(identity, method, schema, args)
    if method == 'instance_update' and args['updates'].get('host') not in (None, identity.host):
        _refuse(identity, method, 'a compute may not move an instance to another host')
    if touches_instance:
        _own_instance(identity, method, args)
    if method == 'instance_steps':
        _check_steps(identity, method, args['items'])
        _own_instances(identity, method, args['items'])


def _own_instances(identity, method, items):
    """Every item of a batch names a distinct instance, moves nothing to
    another host and claims at most once; one item that does not is enough
    to refuse the call.  That every instance is the caller's (a gone one is
    answered per item) is checked by the call itself, by the first
    statement of its transaction (conductor/instance_steps.py): the same
    refusal before anything is written, without a transaction of its own."""
    uuids = [item['instance_uuid'] for item in items]
    if not all(uuidutils.is_uuid_like(u) for u in uuids) or len(set(uuids)) != len(uuids):
        _refuse(identity, method, 'instance_uuid not a UUID, or named twice')
    for item in items:
        if any(step.get('update', {}).get('host') not in (None, identity.host)
               for step in item['steps']):
            _refuse(identity, method, 'a compute may not move an instance to another host')
        if sum('claim' in step for step in item['steps']) > 1:
            _refuse(identity, method, 'one claim per instance')


def validate_compute_task(identity, method, args):
    """``compute_task`` from a compute: only the reschedule of one instance
    the caller was building (still its host, building, scheduling), to
    alternates that are enrolled compute hosts."""
    if identity.binary != keys.COMPUTE:
        return
    if method != 'build_instances':
        _refuse(identity, method, 'computes may only reschedule')
    instances = args.get('instances')
    if not isinstance(instances, list) or len(instances) != 1:
        _refuse(identity, method, 'a reschedule names exactly one instance')
    try:
        uuid = instances[0]['novalite_object.data']['uuid']
    except (KeyError, TypeError):
        _refuse(identity, method, 'malformed instance')
    inst = _own_instance(identity, method, {'instance_uuid': uuid})
    if inst is None or inst.vm_state != vm_states.BUILDING or inst.task_state != task_states.SCHEDULING:
        _refuse(identity, method, 'instance %s is not being rescheduled' % uuid)
    host_lists = args.get('host_lists')
    if host_lists is not None:
        try:
            hosts = [s['novalite_object.data']['service_host'] for s in host_lists[0]]
        except (KeyError, TypeError, IndexError):
            _refuse(identity, method, 'malformed alternates')
        if len(host_lists) != 1 or any(
                not isinstance(h, str) or db_keys.service_key_get(keys.COMPUTE, h) is None
                for h in hosts):
            _refuse(identity, method, 'alternates must be enrolled compute hosts')
