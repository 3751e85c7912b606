"""os-instance-actions: the actions recorded on a server and their events.

2.21 deleted servers readable; 2.51 events for the owner (traceback and
host only with the ``events`` policy); 2.58 ``updated_at``, limit/marker and
changes-since; 2.62 ``hostId`` (and ``host`` for admins) in events; 2.66
changes-before; 2.84 ``details`` with the ``events:details`` policy.
"""
from novalite.api.openstack import common
from novalite.api.openstack import faults
from novalite.api.openstack import wsgi
from novalite.api.openstack.compute.views.servers import generate_hostid
from novalite.compute import api as compute_api
from novalite import policy

POLICY = 'os_compute_api:os-instance-actions:%s'
ACTION_KEYS = ('action', 'instance_uuid', 'request_id', 'user_id', 'project_id',
               'start_time', 'message')
EVENT_KEYS = ('event', 'start_time', 'finish_time', 'result')
TIME_KEYS = ('start_time', 'finish_time', 'updated_at')
LIST_PARAMS_258 = ('limit', 'marker', 'changes-since')


def _fmt(row, keys):
    return {k: common.isotime(row.get(k)) if k in TIME_KEYS else row.get(k) for k in keys}


def _action(req, row):
    keys = ACTION_KEYS + (('updated_at',) if req.is_at_least('2.58') else ())
    return _fmt(row, keys)


class InstanceActionsController:
    def __init__(self):
        self.compute_api = compute_api.API()
        self.action_api = compute_api.InstanceActionAPI()

    def _get_instance(self, req, server_id):
        return self.compute_api.get(req.context, server_id, read_deleted=req.is_at_least('2.21'))

    def _authorize(self, req, instance, rule, do_raise=True):
        return policy.authorize(req.context, POLICY % rule,
                                target={'project_id': instance.project_id},
                                do_raise=do_raise)

    @wsgi.expected_errors((400, 404))
    def index(self, req, server_id):
        instance = self._get_instance(req, server_id)
        self._authorize(req, instance, 'list')
        if not req.is_at_least('2.58'):
            rows = self.action_api.actions_get(req.context, instance)
            return {'instanceActions': [_action(req, r) for r in rows]}
        since, before = self._time_filters(req)
        limit = common.parse_limit(req.GET.get('limit'))
        rows = self.action_api.actions_get(req.context, instance, limit=limit,
                                      marker=req.GET.get('marker'),
                                      changes_since=since, changes_before=before)
        actions = [_action(req, r) for r in rows]
        return common.add_collection_links(
            {'instanceActions': actions}, 'links', req,
            'servers/%s/os-instance-actions' % server_id, actions, limit, 'request_id')

    @staticmethod
    def _time_filters(req):
        allowed = LIST_PARAMS_258 + (('changes-before',) if req.is_at_least('2.66') else ())
        common.reject_unknown_params(req, allowed)
        since = req.GET.get('changes-since')
        before = req.GET.get('changes-before')
        since = common.parse_time(since) if since else None
        before = common.parse_time(before) if before else None
        if since and before and before < since:
            raise faults.Fault(400, 'The value of changes-since must be less than or '
                                    'equal to changes-before.')
        return since, before

    @wsgi.expected_errors(404)
    def show(self, req, server_id, id):
        instance = self._get_instance(req, server_id)
        self._authorize(req, instance, 'show')
        row = self.action_api.action_get_by_request_id(req.context, instance, id)
        action = _action(req, row)
        full = bool(self._authorize(req, instance, 'events', do_raise=False))
        if not (full or req.is_at_least('2.51')):
            return {'instanceAction': action}
        details = req.is_at_least('2.84') and bool(
            self._authorize(req, instance, 'events:details', do_raise=False))
        project = action['project_id'] or instance.project_id
        events = []
        for ev in self.action_api.action_events_get(req.context, instance, row['id']):
            e = _fmt(ev, EVENT_KEYS + (('traceback',) if full else ()))
            if full and req.is_at_least('2.62'):
                e['host'] = ev['host']
            if req.is_at_least('2.62'):
                e['hostId'] = generate_hostid(ev['host'], project)
            if details:
                e['details'] = ev['details']
            events.append(e)
        action['events'] = events
        return {'instanceAction': action}
