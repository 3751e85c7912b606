"""The database API of instances: instances, faults, instance actions and events.

Functions take plain values and return plain dicts or objects; callers never
see a Session.  Only novalite-api, -conductor and -scheduler import this
module: novalite-compute has no database credentials.
"""
import json

import sqlalchemy as sa
from sqlalchemy import func, select, update

from novalite.db import hosts as db_hosts
from novalite.db import models as m
from novalite.db.session import now, reader, row_dict, writer
from novalite import exception
from novalite.objects import instance as instance_obj


def _loads(text, default):
    return json.loads(text) if text else default


# -- instances -------------------------------------------------------------------
_JSON_INSTANCE_COLUMNS = {'flavor': None, 'network_info': [], 'security_groups': [],
                          'system_metadata': {}}


def _instance_from_row(row, metadata):
    return _instance_from_values(row_dict(row), metadata)


def _instance_from_values(values, metadata):
    """An Instance from the instance row's column values (a dict, JSON
    columns as stored) and its metadata."""
    for col, default in _JSON_INSTANCE_COLUMNS.items():
        values[col] = _loads(values[col], default)
    values['metadata'] = metadata
    return instance_obj.Instance(**{k: v for k, v in values.items()
                                    if k in instance_obj.INSTANCE_FIELDS})


def _metadata_for(session, uuids):
    result = {u: {} for u in uuids}
    if uuids:
        q = select(m.InstanceMetadata).where(
            m.InstanceMetadata.instance_uuid.in_(uuids), m.InstanceMetadata.deleted == 0)
        for md in session.scalars(q):
            result[md.instance_uuid][md.key] = md.value
    return result


def _instances(session, rows):
    rows = list(rows)
    md = _metadata_for(session, [r.uuid for r in rows])
    return [_instance_from_row(r, md[r.uuid]) for r in rows]


def _instance_values(values):
    out = dict(values)
    for col in _JSON_INSTANCE_COLUMNS:
        if col in out and not isinstance(out[col], (str, type(None))):
            out[col] = json.dumps(out[col])
    out.pop('metadata', None)
    out.pop('build_spec', None)
    return out


def instance_create_many(ctx, instances, action='create'):
    """Create instance rows, their metadata and a 'create' action, in one
    transaction.  ``instances`` is a list of value dicts (with 'metadata')."""
    with writer() as session:
        return instance_create_many_in(session, ctx, instances, action)


def instance_create_many_in(session, ctx, instances, action='create'):
    """instance_create_many inside the caller's transaction (quota checks)."""
    from novalite.db import builds
    created, specs = [], {}        # a request's rows share one spec: encoded once
    for values in instances:
        row = m.Instance(**_instance_values(values))
        session.add(row)
        metadata = dict(values.get('metadata') or {})
        for key, value in metadata.items():
            session.add(m.InstanceMetadata(instance_uuid=values['uuid'], key=key, value=value))
        session.add(m.InstanceAction(action=action, instance_uuid=values['uuid'],
                                     request_id=ctx.request_id, user_id=ctx.user_id,
                                     project_id=ctx.project_id, start_time=now()))
        spec = values.get('build_spec')
        if spec is not None:
            if id(spec) not in specs:
                specs[id(spec)] = builds.encode_spec(spec)
            builds.add_in(session, values['uuid'], values['project_id'], specs[id(spec)])
        created.append((row, metadata))
    session.flush()
    # the metadata just written: no need to read it back
    return [_instance_from_row(row, metadata) for row, metadata in created]


def _live_instance_query(uuid, project_id=None):
    q = select(m.Instance).where(m.Instance.uuid == uuid, m.Instance.deleted == 0)
    if project_id is not None:
        q = q.where(m.Instance.project_id == project_id)
    return q


def instance_get_by_uuid(uuid, project_id=None, read_deleted=False):
    with reader() as session:
        q = select(m.Instance).where(m.Instance.uuid == uuid)
        if not read_deleted:
            q = q.where(m.Instance.deleted == 0)
        if project_id is not None:
            q = q.where(m.Instance.project_id == project_id)
        row = session.scalars(q).first()
        if row is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        return _instances(session, [row])[0]


def _fixed_ips(instance, version):
    for vif in instance.network_info or []:
        for subnet in vif.get('network', {}).get('subnets', []):
            for ip in subnet.get('ips', []):
                if ip.get('version', 4) == version:
                    yield ip['address']


def _python_filters(filters):
    """Predicates SQL cannot portably express: the name and address regexes
    (Nova's REGEXP; ``ip``/``ip6`` match the instance's fixed addresses) and
    tags, kept in system_metadata."""
    preds = []
    if filters.get('name_regex') is not None:
        rx = filters['name_regex']
        preds.append(lambda i: rx.search(i.display_name or '') is not None)
    for key, version in (('ip_regex', 4), ('ip6_regex', 6)):
        if filters.get(key) is not None:
            preds.append(lambda i, rx=filters[key], v=version:
                         any(rx.search(a) for a in _fixed_ips(i, v)))

    def tags(i):
        return set((i.system_metadata or {}).get('tags') or [])
    if filters.get('tags'):
        preds.append(lambda i: set(filters['tags']) <= tags(i))
    if filters.get('tags_any'):
        preds.append(lambda i: bool(set(filters['tags_any']) & tags(i)))
    if filters.get('not_tags'):
        preds.append(lambda i: not set(filters['not_tags']) <= tags(i))
    if filters.get('not_tags_any'):
        preds.append(lambda i: not set(filters['not_tags_any']) & tags(i))
    return preds


def instance_get_all_by_filters(filters, limit=None, marker=None, sort_keys=None,
                                sort_dirs=None):
    """Instances matching ``filters`` (project_id, user_id, uuid, reservation_id,
    vm_state, host, node, hostname, key_name, image_ref, flavorid, locked,
    changes_since, changes_before, include_deleted/only_deleted, name_regex,
    tags/tags_any/not_tags/not_tags_any), ordered by ``sort_keys``/``sort_dirs``
    (newest first by default), paged by marker uuid."""
    keys, dirs = process_sort_params(sort_keys, sort_dirs)
    default_order = keys == ['created_at', 'id'] and dirs[0] == dirs[1]
    sort_desc = dirs[0] == 'desc'
    with reader() as session:
        q = select(m.Instance)
        if filters.get('only_deleted'):
            q = q.where(m.Instance.deleted != 0)
        elif not filters.get('include_deleted'):
            q = q.where(m.Instance.deleted == 0)
        for col in ('project_id', 'user_id', 'uuid', 'reservation_id', 'host', 'node',
                    'hostname', 'key_name', 'image_ref'):
            if filters.get(col) is not None:
                q = q.where(getattr(m.Instance, col) == filters[col])
        if filters.get('vm_state') is not None:
            q = q.where(m.Instance.vm_state.in_(filters['vm_state']))
        if filters.get('locked') is not None:
            q = q.where(sa.func.coalesce(m.Instance.locked, False) == filters['locked'])
        if filters.get('task_state_not_null'):
            q = q.where(m.Instance.task_state.is_not(None))
        if filters.get('flavorid') is not None:
            q = q.where(m.Instance.flavor.contains('"flavorid": %s' % json.dumps(filters['flavorid'])))
        changed = func.coalesce(m.Instance.updated_at, m.Instance.created_at)
        if filters.get('changes_since') is not None:
            q = q.where(changed >= filters['changes_since'])
        if filters.get('changes_before') is not None:
            q = q.where(changed <= filters['changes_before'])
        if filters.get('created_before') is not None:
            q = q.where(m.Instance.created_at < filters['created_before'])
        order = [getattr(m.Instance, k).desc() if d == 'desc' else getattr(m.Instance, k).asc()
                 for k, d in zip(keys, dirs)]
        if marker is not None:
            mrow = session.scalars(select(m.Instance).where(m.Instance.uuid == marker)).first()
            if mrow is None:
                raise exception.MarkerNotFound(marker=marker)
            # the default order pages in SQL; other orders below, in the SQL order
            if default_order and sort_desc:
                q = q.where(sa.or_(m.Instance.created_at < mrow.created_at,
                                   sa.and_(m.Instance.created_at == mrow.created_at,
                                           m.Instance.id < mrow.id)))
            elif default_order:
                q = q.where(sa.or_(m.Instance.created_at > mrow.created_at,
                                   sa.and_(m.Instance.created_at == mrow.created_at,
                                           m.Instance.id > mrow.id)))
        q = q.order_by(*order)
        preds = _python_filters(filters)
        keyset = marker is None or default_order
        if limit is not None and not preds and keyset:
            q = q.limit(limit)
        instances = [i for i in _instances(session, session.scalars(q))
                     if all(p(i) for p in preds)]
        if not keyset:
            uuids = [i.uuid for i in instances]
            instances = instances[uuids.index(marker) + 1:] if marker in uuids else []
        return instances[:limit] if limit is not None else instances


_SORT_COLUMNS = {'created_at', 'id', 'uuid'} | {
    c.name for c in m.Instance.__table__.columns}


def process_sort_params(sort_keys, sort_dirs, default_keys=('created_at', 'id'),
                        default_dir='desc'):
    """Nova's process_sort_params: keys padded with created_at and id, every key
    with a direction (the first given one, else ``default_dir``)."""
    keys = [k for k in (sort_keys or []) if k in _SORT_COLUMNS]
    dirs = list(sort_dirs or [])
    for d in dirs:
        if d not in ('asc', 'desc'):
            raise exception.InvalidRequest("Unknown sort direction, must be 'desc' or 'asc'")
    if len(dirs) > len(sort_keys or []):
        raise exception.InvalidRequest('Sort direction size exceeds sort key size')
    dirs = dirs[:len(keys)]
    fill = dirs[0] if dirs else default_dir
    dirs += [fill] * (len(keys) - len(dirs))
    for key in default_keys:
        if key not in keys:
            keys.append(key)
            dirs.append(fill)
    return keys, dirs


# The conditional UPDATE of each shape of save, built once: building and
# keying a statement for each save cost about four times the CPU of
# executing a prepared one (measured on PostgreSQL).
_SAVES = {}


def _save_statement(keys, states, with_host, with_vm_state):
    shape = (keys, states, with_host, with_vm_state)
    stmt = _SAVES.get(shape)
    if stmt is None:
        inst = m.Instance.__table__
        q = update(inst).where(inst.c.uuid == sa.bindparam('b_uuid'), inst.c.deleted == 0)
        if states is not None:
            q = q.where(sa.or_(*[inst.c.task_state.is_(None) if s is None
                                 else inst.c.task_state == s for s in states]))
        if with_host:
            q = q.where(inst.c.host == sa.bindparam('b_host'))
        if with_vm_state:
            q = q.where(inst.c.vm_state == sa.bindparam('b_vm_state'))
        stmt = q.values({k: sa.bindparam('v_' + k) for k in keys})
        if len(_SAVES) < 256:
            _SAVES[shape] = stmt
    return stmt


def instance_save_in(session, uuid, values, expected_task_state=None, expected_host=None,
                     check_task_state=False, expected_vm_state=None):
    """Update a live instance in ``session`` (one conditional UPDATE), without
    reading it back.

    With ``check_task_state`` the update only happens when task_state is one of
    ``expected_task_state`` (a list; None is a value); with ``expected_host``
    only when the instance belongs to that host.  A mismatch raises
    UnexpectedTaskStateError (its ``states``: the vm_state and task_state
    found) or NotAllowedByHost; a missing row InstanceNotFound.
    """
    inst = m.Instance.__table__
    values = _instance_values(values)
    values['updated_at'] = now()
    params = {'v_' + k: v for k, v in values.items()}
    params.update(b_uuid=uuid, b_host=expected_host, b_vm_state=expected_vm_state)
    states = tuple(expected_task_state or [None]) if check_task_state else None
    stmt = _save_statement(tuple(sorted(values)), states, expected_host is not None,
                           expected_vm_state is not None)
    if session.execute(stmt, params).rowcount == 1:
        return
    row = session.execute(select(inst.c.host, inst.c.vm_state, inst.c.task_state).where(
        inst.c.uuid == uuid, inst.c.deleted == 0)).first()
    if row is None:
        raise exception.InstanceNotFound(instance_id=uuid)
    if expected_host is not None and row.host != expected_host:
        raise exception.NotAllowedByHost(host=expected_host, instance_uuid=uuid)
    if expected_vm_state is not None and row.vm_state != expected_vm_state:
        error = exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_vm_state, actual=row.vm_state)
    else:
        error = exception.UnexpectedTaskStateError(
            instance_uuid=uuid, expected=expected_task_state, actual=row.task_state)
    # the states found, for a caller that tells a repeated save from a stale one
    error.states = {'vm_state': row.vm_state, 'task_state': row.task_state}
    raise error


def instance_update(uuid, values, expected_task_state=None, expected_host=None,
                    check_task_state=False, expected_vm_state=None, fault=None):
    """``instance_save_in`` in a transaction of its own, returning the
    instance.  ``fault`` (code, message, details, host) is recorded in the
    same transaction, so nobody sees an ERROR server without its fault.
    """
    with writer() as session:
        instance_save_in(session, uuid, values, expected_task_state, expected_host,
                         check_task_state, expected_vm_state)
        if fault is not None:
            code, message, details, host = fault
            session.add(m.InstanceFault(instance_uuid=uuid, code=code, message=message[:255],
                                        details=details, host=host))
        row = session.scalars(_live_instance_query(uuid)).first()
        return _instances(session, [row])[0]


def instance_destroy(uuid, expected_host=None):
    """Soft-delete a live instance, releasing its claim in the same transaction."""
    with writer() as session:
        row = session.scalars(_live_instance_query(uuid).with_for_update()).first()
        if row is None:
            raise exception.InstanceNotFound(instance_id=uuid)
        if expected_host is not None and row.host != expected_host:
            raise exception.NotAllowedByHost(host=expected_host, instance_uuid=uuid)
        db_hosts.release_claim(session, row)
        ts = now()
        session.execute(update(m.Instance).where(m.Instance.id == row.id).values(
            deleted=row.id, deleted_at=ts, terminated_at=ts, vm_state='deleted',
            task_state=None, updated_at=ts))
        session.execute(update(m.InstanceMetadata).where(
            m.InstanceMetadata.instance_uuid == uuid).values(deleted=m.InstanceMetadata.id,
                                                            deleted_at=ts))


def instances_claimed(uuids):
    """The subset of ``uuids`` that hold a claim or no longer need one
    (deleted or failed)."""
    done = set(uuids)
    with reader() as session:
        q = select(m.Instance.uuid, m.Instance.compute_id, m.Instance.deleted,
                   m.Instance.vm_state).where(m.Instance.uuid.in_(uuids))
        for uuid, compute_id, deleted, vm_state in session.execute(q):
            if compute_id is None and not deleted and vm_state in (None, 'building'):
                done.discard(uuid)
    return done


# -- faults and actions -------------------------------------------------------
def instance_fault_create(uuid, code, message, details, host):
    with writer() as session:
        session.add(m.InstanceFault(instance_uuid=uuid, code=code, message=message[:255],
                                    details=details, host=host))


def instance_fault_get_latest(uuids):
    """{uuid: newest fault dict} for the given instances."""
    if not uuids:
        return {}
    with reader() as session:
        q = select(m.InstanceFault).where(m.InstanceFault.instance_uuid.in_(uuids)).order_by(
            m.InstanceFault.created_at.desc(), m.InstanceFault.id.desc())
        out = {}
        for f in session.scalars(q):
            out.setdefault(f.instance_uuid, row_dict(f))
        return out


def _action_for(session, uuid, request_id=None):
    q = select(m.InstanceAction).where(m.InstanceAction.instance_uuid == uuid)
    if request_id:
        q = q.where(m.InstanceAction.request_id == request_id)
    return session.scalars(q.order_by(m.InstanceAction.id.desc())).first()


def action_event_start(uuid, request_id, event_name, host):
    with writer() as session:
        _event_start(session, uuid, request_id, event_name, host)


def _event_start(session, uuid, request_id, event_name, host):
    action = _action_for(session, uuid, request_id) or _action_for(session, uuid)
    if action is None:
        return
    ts = now()
    session.add(m.InstanceActionEvent(action_id=action.id, event=event_name,
                                      start_time=ts, host=host))
    action.updated_at = ts      # Nova: an event start touches its action


def action_event_finish(uuid, request_id, event_name, result, traceback=None, host=None):
    with writer() as session:
        _event_finish(session, uuid, request_id, event_name, result, traceback, host)


def _event_finish(session, uuid, request_id, event_name, result, traceback=None, host=None):
    action = _action_for(session, uuid, request_id) or _action_for(session, uuid)
    if action is None:
        return
    q = select(m.InstanceActionEvent).where(
        m.InstanceActionEvent.action_id == action.id,
        m.InstanceActionEvent.event == event_name,
        m.InstanceActionEvent.finish_time.is_(None)).order_by(m.InstanceActionEvent.id.desc())
    ev = session.scalars(q).first()
    ts = now()
    if ev is None:
        ev = m.InstanceActionEvent(action_id=action.id, event=event_name,
                                   start_time=ts, host=host)
        session.add(ev)
    ev.finish_time = ts
    ev.result = result
    ev.traceback = traceback
    if result == 'Error':
        action.message = 'Error'
    action.finish_time = ts


def action_events_record(uuid, request_id, host, events):
    """Several events of one instance in one transaction: each
    ``(event, phase, result, traceback)``, phase 'start' or 'finish'."""
    with writer() as session:
        for event, phase, result, traceback in events:
            if phase == 'start':
                _event_start(session, uuid, request_id, event, host)
            else:
                _event_finish(session, uuid, request_id, event, result, traceback, host)
        session.flush()
