"""Catalog tables: flavors and the built-in image store's metadata."""
import sqlalchemy as sa
from sqlalchemy import select, update

from novalite.db.session import now, page, reader, row_dict, writer
from novalite.db import models as m
from novalite.db import oneshot
from novalite import exception


# -- flavors --------------------------------------------------------------------
def _flavor_dict(session, row):
    return _flavor_dicts(session, [row])[0]


def _key_values(session, rows, model, fk, key):
    """{row id: {child key: value}} of ``model``'s rows pointing (column
    ``fk``) at ``rows``, in one query for all of them."""
    out = {r.id: {} for r in rows}
    if out:
        for child in session.scalars(select(model).where(getattr(model, fk).in_(out))):
            out[getattr(child, fk)][getattr(child, key)] = child.value
    return out


def _flavor_dicts(session, rows):
    """The flavors as dicts with their extra_specs."""
    specs = _key_values(session, rows, m.FlavorExtraSpec, 'flavor_id', 'key')
    return [dict(row_dict(r), extra_specs=specs[r.id]) for r in rows]


def flavor_create(values, extra_specs=None, projects=None):
    with writer() as session:
        if session.scalars(select(m.Flavor).where(m.Flavor.flavorid == values['flavorid'])).first():
            raise exception.FlavorIdExists(flavor_id=values['flavorid'])
        if session.scalars(select(m.Flavor).where(m.Flavor.name == values['name'])).first():
            raise exception.FlavorExists(name=values['name'])
        row = m.Flavor(**values)
        session.add(row)
        session.flush()
        for k, v in (extra_specs or {}).items():
            session.add(m.FlavorExtraSpec(flavor_id=row.id, key=k, value=v))
        for p in projects or ():
            session.add(m.FlavorProject(flavor_id=row.id, project_id=p))
        session.flush()
        return _flavor_dict(session, row)


def _flavor_access(q, project_id):
    if project_id is None:
        return q
    allowed = select(m.FlavorProject.flavor_id).where(m.FlavorProject.project_id == project_id)
    return q.where(sa.or_(m.Flavor.is_public.is_(True), m.Flavor.id.in_(allowed)))


def _with_children(parent, child, fk, key, where):
    """One SELECT of ``parent``'s columns and its children's (key, value)
    pairs (``child`` LEFT JOINed on ``fk``): a row per child, or one with
    NULLs when there is none."""
    kv = (getattr(child, key).label('child_key'), child.value.label('child_value'))
    return select(*parent.__table__.columns, *kv).outerjoin(
        child, getattr(child, fk) == parent.id).where(*where)


def _parent_with_children(rows, children):
    """The dict of the parent row of ``rows`` (_with_children) with its
    children as ``{key: value}`` under ``children``, or None."""
    if not rows:
        return None
    out = {k: v for k, v in rows[0]._mapping.items() if k not in ('child_key', 'child_value')}
    out[children] = {r.child_key: r.child_value for r in rows if r.child_key is not None}
    return out


def _flavor_by_id(scoped):
    q = _with_children(m.Flavor, m.FlavorExtraSpec, 'flavor_id', 'key',
                       [m.Flavor.flavorid == sa.bindparam('flavorid')])
    return _flavor_access(q, sa.bindparam('project_id')) if scoped else q


# built once (each POST /servers reads a flavor and an image): a statement
# made again per call costs more CPU than its execution
_FLAVOR_BY_ID = {scoped: _flavor_by_id(scoped) for scoped in (False, True)}


def flavor_get_by_flavor_id(flavorid, project_id=None):
    """The flavor with this flavorid; ``project_id`` limits private flavors.
    One statement, no transaction (oneshot): the create path reads it."""
    rows = oneshot.read(_FLAVOR_BY_ID[project_id is not None],
                        {'flavorid': str(flavorid), 'project_id': project_id})
    flavor = _parent_with_children(rows, 'extra_specs')
    if flavor is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return flavor


def flavor_get_all(project_id=None, is_public=True, min_ram=None, min_disk=None,
                   limit=None, marker=None, sort_key='flavorid', sort_dir='asc',
                   include_disabled=False):
    """Flavors as Nova lists them: ``is_public`` True/False/None (all);
    with True, ``project_id`` adds the private flavors shared with that
    project; ``marker`` is a flavorid."""
    with reader() as session:
        q = select(m.Flavor)
        if not include_disabled:
            q = q.where(m.Flavor.disabled.is_(False))
        if is_public is not None:
            cond = m.Flavor.is_public.is_(bool(is_public))
            if is_public and project_id is not None:
                allowed = select(m.FlavorProject.flavor_id).where(
                    m.FlavorProject.project_id == project_id)
                cond = sa.or_(cond, m.Flavor.id.in_(allowed))
            q = q.where(cond)
        if min_ram is not None:
            q = q.where(m.Flavor.memory_mb >= min_ram)
        if min_disk is not None:
            q = q.where(m.Flavor.root_gb >= min_disk)
        col = getattr(m.Flavor, sort_key)
        q = q.order_by(col.desc() if sort_dir == 'desc' else col.asc(), m.Flavor.id)
        rows = page(session.scalars(q).all(), 'flavorid', marker, limit)
        return _flavor_dicts(session, rows)


def _flavor_row(session, flavorid):
    row = session.scalars(select(m.Flavor).where(m.Flavor.flavorid == str(flavorid))).first()
    if row is None:
        raise exception.FlavorNotFound(flavor_id=flavorid)
    return row


def flavor_destroy(flavorid):
    with writer() as session:
        row = _flavor_row(session, flavorid)
        for model in (m.FlavorExtraSpec, m.FlavorProject):
            session.execute(sa.delete(model).where(model.flavor_id == row.id))
        session.delete(row)


def flavor_update(flavorid, values):
    """Update columns of a flavor (the API only changes ``description``)."""
    with writer() as session:
        row = _flavor_row(session, flavorid)
        session.execute(update(m.Flavor).where(m.Flavor.id == row.id)
                        .values(updated_at=now(), **values))
        return _flavor_dict(session, session.get(m.Flavor, row.id, populate_existing=True))


def flavor_access_get(flavorid):
    """The project ids a flavor is shared with."""
    with reader() as session:
        row = _flavor_row(session, flavorid)
        return [p.project_id for p in session.scalars(
            select(m.FlavorProject).where(m.FlavorProject.flavor_id == row.id)
            .order_by(m.FlavorProject.id))]


def flavor_access_add(flavorid, project_id):
    with writer() as session:
        row = _flavor_row(session, flavorid)
        if session.scalars(select(m.FlavorProject).where(
                m.FlavorProject.flavor_id == row.id,
                m.FlavorProject.project_id == project_id)).first() is not None:
            raise exception.FlavorAccessExists(flavor_id=flavorid, project_id=project_id)
        session.add(m.FlavorProject(flavor_id=row.id, project_id=project_id))


def flavor_access_remove(flavorid, project_id):
    with writer() as session:
        row = _flavor_row(session, flavorid)
        if session.execute(sa.delete(m.FlavorProject).where(
                m.FlavorProject.flavor_id == row.id,
                m.FlavorProject.project_id == project_id)).rowcount == 0:
            raise exception.FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)


def flavor_extra_specs_update(flavorid, specs):
    """Create or overwrite extra specs (values stored as strings)."""
    with writer() as session:
        row = _flavor_row(session, flavorid)
        existing = {s.key: s for s in session.scalars(
            select(m.FlavorExtraSpec).where(m.FlavorExtraSpec.flavor_id == row.id))}
        for key, value in specs.items():
            if key in existing:
                existing[key].value = str(value)
                existing[key].updated_at = now()
            else:
                session.add(m.FlavorExtraSpec(flavor_id=row.id, key=key, value=str(value)))
        session.flush()
        return _flavor_dict(session, row)['extra_specs']


def flavor_extra_specs_delete(flavorid, key):
    with writer() as session:
        row = _flavor_row(session, flavorid)
        if session.execute(sa.delete(m.FlavorExtraSpec).where(
                m.FlavorExtraSpec.flavor_id == row.id,
                m.FlavorExtraSpec.key == key)).rowcount == 0:
            raise exception.FlavorExtraSpecsNotFound(flavor_id=flavorid, key=key)


# -- images (the built-in store's metadata) ---------------------------------
def _image_dict(session, row):
    return _image_dicts(session, [row])[0]


def _image_dicts(session, rows):
    """The images as dicts with their properties."""
    props = _key_values(session, rows, m.ImageProperty, 'image_id', 'name')
    return [dict(row_dict(r), properties=props[r.id]) for r in rows]


def image_create(values, properties=None):
    with writer() as session:
        row = m.Image(**values)
        session.add(row)
        session.flush()
        for k, v in (properties or {}).items():
            session.add(m.ImageProperty(image_id=row.id, name=k, value=v))
        session.flush()
        return _image_dict(session, row)


def image_update(image_id, values, expected_status=None):
    """Update columns; with ``expected_status`` only from that status
    (ImageConflict otherwise), atomically."""
    with writer() as session:
        values = dict(values, updated_at=now())
        q = update(m.Image).where(m.Image.id == image_id, m.Image.deleted == 0)
        if expected_status is not None:
            q = q.where(m.Image.status == expected_status)
        if session.execute(q.values(**values)).rowcount != 1:
            if expected_status is not None and session.get(m.Image, image_id) is not None:
                raise exception.ImageConflict(
                    reason='Image status transition from %s to %s is not allowed'
                           % (session.get(m.Image, image_id).status, values.get('status')))
            raise exception.ImageNotFound(image_id=image_id)
        return _image_dict(session, session.get(m.Image, image_id))


def image_properties_set(image_id, properties, removed=()):
    """Set (insert or overwrite) and remove extra properties of an image."""
    with writer() as session:
        rows = {p.name: p for p in session.scalars(
            select(m.ImageProperty).where(m.ImageProperty.image_id == image_id))}
        for name in removed:
            if name in rows:
                session.delete(rows.pop(name))
        for k, v in properties.items():
            if k in rows:
                rows[k].value = v
            else:
                session.add(m.ImageProperty(image_id=image_id, name=k, value=v))


_IMAGE_BY_ID = _with_children(m.Image, m.ImageProperty, 'image_id', 'name',
                              [m.Image.id == sa.bindparam('image_id'), m.Image.deleted == 0])


def image_get(image_id):
    """The live image with its properties: one statement, no transaction
    (oneshot), as the create path reads it."""
    image = _parent_with_children(oneshot.read(_IMAGE_BY_ID, {'image_id': image_id}),
                                  'properties')
    if image is None:
        raise exception.ImageNotFound(image_id=image_id)
    return image


def image_get_all(filters=None, limit=None, marker=None):
    filters = filters or {}
    with reader() as session:
        q = select(m.Image).where(m.Image.deleted == 0)
        for col in ('name', 'status', 'visibility', 'owner'):
            if filters.get(col) is not None:
                q = q.where(getattr(m.Image, col) == filters[col])
        if filters.get('ids') is not None:
            q = q.where(m.Image.id.in_(filters['ids']))
        rows = session.scalars(q.order_by(m.Image.created_at.desc(), m.Image.id)).all()
        return _image_dicts(session, page(rows, 'id', marker, limit))


def image_destroy(image_id):
    with writer() as session:
        ts = now()
        if session.execute(update(m.Image).where(m.Image.id == image_id, m.Image.deleted == 0)
                           .values(deleted=1, deleted_at=ts, status='deleted')).rowcount != 1:
            raise exception.ImageNotFound(image_id=image_id)
