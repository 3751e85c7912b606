"""The create path's writes and reads and the server lists, in Core, on
SQLite, PostgreSQL and MariaDB: ids returned in order by the multi-row
insert, reads without a transaction (PostgreSQL), lists paged in SQL or
among the rows."""
import datetime

import pytest
from oslo_config import cfg

import novalite.conf  # noqa: F401
from novalite.api.openstack.compute import server_search
from novalite.db import api as db
from novalite.db import catalog
from novalite.db import quotas
from novalite import exception

CONF = cfg.CONF


class Ctx:
    request_id, user_id, project_id = 'req-1', 'u1', 'p1'


def _rows(names, **extra):
    return [dict({'uuid': 'uuid-%s' % n, 'project_id': 'p1', 'user_id': 'u1',
                  'display_name': n, 'memory_mb': 512, 'vcpus': 1, 'root_gb': 1,
                  'ephemeral_gb': 0, 'flavor': {'flavorid': '1'},
                  'metadata': {'k': n}}, **extra) for n in names]


def test_create_many_returns_rows_in_order_with_ids(database):
    created = db.instance_create_many(Ctx(), _rows(['a', 'b', 'c', 'd']))
    assert [i.display_name for i in created] == ['a', 'b', 'c', 'd']
    ids = [i.id for i in created]
    assert ids == sorted(ids) and len(set(ids)) == 4
    for i in created:
        read = db.instance_get_by_uuid(i.uuid)
        assert read.id == i.id and read.metadata == {'k': i.display_name}
        # MariaDB's DATETIME keeps whole seconds
        assert abs(read.created_at - i.created_at) < datetime.timedelta(seconds=1)
        assert (read.deleted, read.power_state, read.flavor) == (0, 0, {'flavorid': '1'})
    one = db.instance_create_many(Ctx(), _rows(['e']))[0]
    assert one.id > max(ids)


def test_lists_page_in_sql_and_among_rows(database):
    db.instance_create_many(Ctx(), _rows(['web-%d' % i for i in range(6)] + ['db-1']))
    names = lambda insts: [i.display_name for i in insts]   # noqa: E731
    newest = names(db.instance_get_all_by_filters({'project_id': 'p1'}))
    assert len(newest) == 7 and newest[0] == 'db-1'
    page = db.instance_get_all_by_filters({'project_id': 'p1'}, limit=2,
                                          marker='uuid-web-5')
    assert names(page) == newest[2:4]
    rx = {'project_id': 'p1', 'name_regex': server_search.user_regex('^web-')}
    assert names(db.instance_get_all_by_filters(rx, limit=3)) == newest[1:4]
    assert names(db.instance_get_all_by_filters(rx, limit=2, marker='uuid-web-4')) == \
        newest[3:5]
    by_name = db.instance_get_all_by_filters(
        rx, limit=2, marker='uuid-web-1', sort_keys=['display_name'], sort_dirs=['asc'])
    assert names(by_name) == ['web-2', 'web-3']
    assert db.instance_get_all_by_filters(rx, marker='uuid-db-1',
                                          sort_keys=['display_name']) == []
    with pytest.raises(exception.MarkerNotFound):
        db.instance_get_all_by_filters(rx, marker='nope', sort_keys=['display_name'])
    since = datetime.datetime.utcnow() - datetime.timedelta(hours=1)
    assert len(db.instance_get_all_by_filters({'project_id': 'p1',
                                               'changes_since': since})) == 7
    assert db.instance_get_all_by_filters({'project_id': 'p1', 'changes_since':
                                           since + datetime.timedelta(hours=2)}) == []
    assert [i.metadata for i in db.instance_get_all_by_filters(
        {'project_id': 'p1', 'uuid': 'uuid-db-1'})] == [{'k': 'db-1'}]


def test_catalog_reads_of_one_statement(database):
    catalog.flavor_create({'flavorid': '1', 'name': 'tiny', 'memory_mb': 512, 'vcpus': 1,
                           'root_gb': 1}, extra_specs={'a': 'b', 'c': 'd'})
    catalog.flavor_create({'flavorid': '2', 'name': 'priv', 'memory_mb': 512, 'vcpus': 1,
                           'root_gb': 1, 'is_public': False}, projects=['p1'])
    assert catalog.flavor_get_by_flavor_id('1', 'p9')['extra_specs'] == {'a': 'b', 'c': 'd'}
    assert catalog.flavor_get_by_flavor_id('2', 'p1')['extra_specs'] == {}
    assert catalog.flavor_get_by_flavor_id('2')['name'] == 'priv'
    with pytest.raises(exception.FlavorNotFound):
        catalog.flavor_get_by_flavor_id('2', 'p9')
    catalog.flavor_destroy('1')
    with pytest.raises(exception.FlavorNotFound):      # deleted: never bootable
        catalog.flavor_get_by_flavor_id('1')
    catalog.image_create({'id': 'i1', 'name': 'x', 'status': 'active'}, {'p': 'v', 'q': 'w'})
    image = catalog.image_get('i1')
    assert (image['name'], image['properties'], image['deleted']) == (
        'x', {'p': 'v', 'q': 'w'}, 0)
    catalog.image_destroy('i1')
    with pytest.raises(exception.ImageNotFound):
        catalog.image_get('i1')
    assert quotas.quota_get_project('p1') == {}
    quotas.quota_set_project('p1', {'instances': 3})
    assert quotas.quota_get_project('p1') == {'instances': 3}
