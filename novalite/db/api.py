"""The database API of instances: instances, faults, instance actions and events.

Functions take plain values and return plain dicts or objects; callers never
see a Session.  Only novalite-api, -conductor and -scheduler import this
module: novalite-compute has no database credentials.
"""
import json

import sqlalchemy as sa
from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql

from novalite.db import hosts as db_hosts
from novalite.db import models as m
from novalite.db import oneshot
from novalite.db import instance_saves as saves
from novalite.db.session import now, reader, row_dict, writer
from novalite import exception
from novalite import fastjson
from novalite.objects import instance as instance_obj


def _loads(text, default):
    return fastjson.loads(text) if text else default


# -- instances -------------------------------------------------------------------
_JSON_INSTANCE_COLUMNS = saves.JSON_INSTANCE_COLUMNS
_instance_values = saves.instance_values
instance_save_in = saves.instance_save_in


def _instance_from_row(row, metadata):
    return _instance_from_values(row_dict(row), metadata)


def _instance_from_values(values, metadata):
    """An Instance from the instance row's column values (a dict, JSON
    columns as stored) and its metadata."""
    for col, default in _JSON_INSTANCE_COLUMNS.items():
        values[col] = _loads(values[col], default)
    values['metadata'] = metadata
    return instance_obj.Instance.from_values(values)


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


def instance_create_many(ctx, instances, action='create'):
    """Create instance rows, their metadata and a 'create' action, in one
    transaction.  ``instances`` is a list of value dicts (with 'metadata')."""
    with writer() as session:
        return instance_create_many_in(session, ctx, instances, action)


def _with_defaults(table, values, ts):
    """``values`` with every other column of ``table``: its scalar default,
    ``ts`` for created_at, else None (what the ORM left on a new row)."""
    out = {}
    for col in table.columns:
        if col.name in values:
            out[col.name] = values[col.name]
        elif col.name == 'created_at':
            out[col.name] = ts
        elif col.default is not None and col.default.is_scalar:
            out[col.name] = col.default.arg
        elif not col.primary_key:
            out[col.name] = None
    return out


_NEXT_IDS = sa.text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)")


def _insert_returning_ids(conn, table, rows):
    """Insert ``rows`` (dicts of the same keys); returns their new ids, in
    order.  PostgreSQL: the ids taken from the table's sequence in one
    SELECT, then one executemany of a one-row INSERT (a pipeline); a
    multi-row ``INSERT .. VALUES .. RETURNING`` of 1,000 instances had
    psycopg parse 45,000 placeholders in Python, most of a max_count=1000
    POST's CPU.  Elsewhere one statement where the dialect returns the ids
    of a multi-row insert in order, else one each.  The values go as
    parameters, so each statement is compiled once per process."""
    if len(rows) > 1 and conn.dialect.name == 'postgresql':
        ids = list(conn.execute(_NEXT_IDS, {'table': table.name, 'count': len(rows)}).scalars())
        conn.execute(sa.insert(table), [dict(row, id=i) for row, i in zip(rows, ids)])
        return ids
    if len(rows) > 1 and conn.dialect.insert_executemany_returning_sort_by_parameter_order:
        stmt = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return [r.id for r in conn.execute(stmt, rows)]
    return [conn.execute(sa.insert(table), row).inserted_primary_key[0] for row in rows]


def instance_create_many_in(session, ctx, instances, action='create'):
    """instance_create_many inside the caller's transaction (quota checks):
    one multi-row INSERT per table (instances, their metadata, their
    'create' actions, their build requests), in Core."""
    from novalite.db import builds
    if not instances:
        return []
    ts = now()
    table = m.Instance.__table__
    conn = session.connection()     # Core statements: no ORM plumbing
    rows = [_with_defaults(table, _instance_values(v), ts) for v in instances]
    for row, instance_id in zip(rows, _insert_returning_ids(conn, table, rows)):
        row['id'] = instance_id
    metadata = [dict(v.get('metadata') or {}) for v in instances]
    md_rows = [{'instance_uuid': row['uuid'], 'key': k, 'value': v, 'created_at': ts}
               for row, md in zip(rows, metadata) for k, v in md.items()]
    if md_rows:
        conn.execute(sa.insert(m.InstanceMetadata.__table__), md_rows)
    conn.execute(sa.insert(m.InstanceAction.__table__), [
        {'action': action, 'instance_uuid': row['uuid'], 'request_id': ctx.request_id,
         'user_id': ctx.user_id, 'project_id': ctx.project_id, 'start_time': ts,
         'created_at': ts} for row in rows])
    specs = {}          # a request's rows share one spec: encoded once
    requests = []
    for values in instances:
        spec = values.get('build_spec')
        if spec is not None:
            if id(spec) not in specs:
                specs[id(spec)] = builds.encode_spec(spec)
            requests.append((values['uuid'], values['project_id'], specs[id(spec)]))
    builds.add_many_in(conn, requests, ts)
    # the rows and metadata just written: no need to read them back
    return [_instance_from_values(row, md) for row, md in zip(rows, metadata)]


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


def _list_conditions(filters):
    """The WHERE clauses of ``filters`` that SQL evaluates."""
    inst = m.Instance.__table__.c
    conds = []
    if filters.get('only_deleted'):
        conds.append(inst.deleted != 0)
    elif not filters.get('include_deleted'):
        conds.append(inst.deleted == 0)
    for col in ('project_id', 'user_id', 'uuid', 'reservation_id', 'host', 'node',
                'hostname', 'key_name', 'image_ref'):
        if filters.get(col) is not None:
            conds.append(inst[col] == filters[col])
    if filters.get('vm_state') is not None:
        conds.append(inst.vm_state.in_(filters['vm_state']))
    if filters.get('locked') is not None:
        conds.append(sa.func.coalesce(inst.locked, False) == filters['locked'])
    if filters.get('task_state_not_null'):
        conds.append(inst.task_state.is_not(None))
    if filters.get('flavorid') is not None:
        conds.append(inst.flavor.contains('"flavorid": %s' % json.dumps(filters['flavorid'])))
    changed = func.coalesce(inst.updated_at, inst.created_at)
    if filters.get('changes_since') is not None:
        conds.append(changed >= filters['changes_since'])
    if filters.get('changes_before') is not None:
        conds.append(changed <= filters['changes_before'])
    if filters.get('created_before') is not None:
        conds.append(inst.created_at < filters['created_before'])
    return conds


def _after_marker(conn, marker, desc):
    """The keyset condition of the default order (created_at, id) after the
    instance ``marker``; MarkerNotFound when there is no such instance."""
    inst = m.Instance.__table__.c
    mrow = conn.execute(select(inst.created_at, inst.id).where(inst.uuid == marker)).first()
    if mrow is None:
        raise exception.MarkerNotFound(marker=marker)
    if desc is None:
        return sa.true()
    if desc:
        return sa.or_(inst.created_at < mrow.created_at,
                      sa.and_(inst.created_at == mrow.created_at, inst.id < mrow.id))
    return sa.or_(inst.created_at > mrow.created_at,
                  sa.and_(inst.created_at == mrow.created_at, inst.id > mrow.id))


# the columns the Python predicates read
_PRED_COLUMNS = {'name_regex': ('display_name',), 'ip_regex': ('network_info',),
                 'ip6_regex': ('network_info',), 'tags': ('system_metadata',),
                 'tags_any': ('system_metadata',), 'not_tags': ('system_metadata',),
                 'not_tags_any': ('system_metadata',)}


class _Light:
    """The columns of a row that a predicate reads, as attributes (JSON
    columns decoded): what it needs of an Instance, for a row not yet made
    one."""
    def __init__(self, row, names):
        for n in names:
            value = getattr(row, n)
            if n in _JSON_INSTANCE_COLUMNS:
                value = _loads(value, _JSON_INSTANCE_COLUMNS[n])
            setattr(self, n, value)


def _filtered_page(rows, filters, preds, marker, limit):
    """The rows of the page among ``rows`` (in order): those the Python
    predicates keep, after ``marker`` (None: from the first), at most
    ``limit``.  Only the columns the predicates read are decoded."""
    names = sorted({c for k, cols in _PRED_COLUMNS.items() if filters.get(k) for c in cols})
    kept = [r for r in rows if all(p(_Light(r, names)) for p in preds)]
    if marker is not None:
        uuids = [r.uuid for r in kept]
        kept = kept[uuids.index(marker) + 1:] if marker in uuids else []
    return kept[:limit] if limit is not None else kept


def instance_get_all_by_filters(filters, limit=None, marker=None, sort_keys=None,
                                sort_dirs=None):
    """Instances matching ``filters`` (project_id, user_id, uuid, reservation_id,
    vm_state, host, node, hostname, key_name, image_ref, flavorid, locked,
    changes_since, changes_before, include_deleted/only_deleted, name_regex,
    tags/tags_any/not_tags/not_tags_any), ordered by ``sort_keys``/``sort_dirs``
    (newest first by default), paged by marker uuid.

    Core rows, no ORM objects, and no transaction on PostgreSQL (oneshot).
    Where SQL cannot page (a Python predicate, or a marker in another order
    than the default) the page is chosen among the rows before any of them is
    made an Instance, decoding only what the predicates read."""
    keys, dirs = process_sort_params(sort_keys, sort_dirs)
    default_order = keys == ['created_at', 'id'] and dirs[0] == dirs[1]
    table = m.Instance.__table__
    with oneshot.connection() as conn:
        conds = _list_conditions(filters)
        if marker is not None:      # other orders page below, in Python
            conds.append(_after_marker(conn, marker,
                                       (dirs[0] == 'desc') if default_order else None))
        order = [table.c[k].desc() if d == 'desc' else table.c[k].asc()
                 for k, d in zip(keys, dirs)]
        q = select(table).where(*conds).order_by(*order)
        preds = _python_filters(filters)
        if not preds and (marker is None or default_order):
            rows = conn.execute(q.limit(limit) if limit is not None else q).all()
        else:
            rows = _filtered_page(conn.execute(q), filters, preds,
                                  None if default_order else marker, limit)
        return _instances_core(conn, rows)


def _in(conn, column, values):
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one parameter
    however many values (a statement of its own text for every length costs
    SQLAlchemy and psycopg a compile and a parse each time)."""
    if conn.dialect.name == 'postgresql':
        return column == sa.any_(sa.bindparam(None, list(values),
                                              type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


# instance columns as Instance fields, in the table's order
_INSTANCE_COLUMNS = [c.name for c in m.Instance.__table__.columns]


def _instances_core(conn, rows):
    """Instances from Core rows of the instances table, with their metadata
    (one SELECT per 1,000 instances)."""
    md = {r.uuid: {} for r in rows}
    uuids = list(md)
    t = m.InstanceMetadata.__table__
    for i in range(0, len(uuids), 1000):
        for uuid, key, value in conn.execute(select(t.c.instance_uuid, t.c.key, t.c.value).where(
                _in(conn, t.c.instance_uuid, uuids[i:i + 1000]), t.c.deleted == 0)):
            md[uuid][key] = value
    return [_instance_from_values(dict(zip(_INSTANCE_COLUMNS, r)), md[r.uuid]) for r in rows]


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
    (deleted or failed).  One SELECT, its statement the same for any
    number of uuids on PostgreSQL (``_in``), without a transaction
    (the scheduler asks this for every request)."""
    done = set(uuids)
    t = m.Instance.__table__
    with oneshot.connection() as conn:
        q = select(t.c.uuid, t.c.compute_id, t.c.deleted, t.c.vm_state).where(
            _in(conn, t.c.uuid, uuids))
        for uuid, compute_id, deleted, vm_state in conn.execute(q):
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
