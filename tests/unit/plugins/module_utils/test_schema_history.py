# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._migration_version import (
    InvalidMigrationVersion,
    highest_migration_version,
    migration_version_key,
)
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    SchemaHistoryConflict,
    applied_versions,
    current_version_row,
    current_versions,
    database_version_row,
    insert_schema_rows,
    plan_record,
    unresolved_failures,
)


def row(version, kind='migrate', checksum='c1', success=True, module_name='comments'):
    return dict(module_name=module_name, version=version, kind=kind, checksum=checksum, success=success)


def test_dotted_versions_compare_numerically():
    assert sorted(['2', '1.10', '1', '1.1', '1.9'], key=migration_version_key) == ['1', '1.1', '1.9', '1.10', '2']
    assert migration_version_key('1') == migration_version_key('1.0') == migration_version_key('1.00.0')
    assert highest_migration_version(['1.9', '1.10', '1.2']) == '1.10'
    assert highest_migration_version([]) is None


@pytest.mark.parametrize('text', ['', '1.', '.1', '1..2', 'v1', '1_1', '1.a', ' 1', '1\n', None, '²'])
def test_bad_schema_versions_are_refused(text):
    with pytest.raises(InvalidMigrationVersion) as error:
        migration_version_key(text)
    assert repr(text) in str(error.value)


@given(st.lists(st.integers(0, 30), min_size=1, max_size=4), st.lists(st.integers(0, 30), min_size=1, max_size=4))
def test_schema_version_order_matches_integer_tuples_without_trailing_zeros(a, b):
    def strip(parts):
        parts = list(parts)
        while len(parts) > 1 and parts[-1] == 0:
            parts.pop()
        return tuple(parts)
    key_a = migration_version_key('.'.join(map(str, a)))
    key_b = migration_version_key('.'.join(map(str, b)))
    assert (key_a < key_b) == (strip(a) < strip(b))


def test_current_version_ignores_failures_and_follows_undo_and_repair():
    rows = [row('1'), row('1.1'), row('1.2', success=False), row('1.1', kind='undo', checksum='u'),
            row('1', kind='repair', checksum='c2')]
    assert current_version_row(rows)['version'] == '1'
    assert current_version_row(rows)['checksum'] == 'c2'
    assert sorted(applied_versions(rows)) == [(1,)]
    assert current_version_row([]) is None


def test_current_versions_per_module():
    rows = [row('3', module_name='core'), row('1', module_name='comments'), row('1', kind='undo', module_name='comments')]
    assert {k: v['version'] for k, v in current_versions(rows).items()} == {'core': '3'}


def request(version, kind='migrate', checksum='c1', success=True):
    return dict(row(version, kind, checksum, success), description='', script=None, execution_ms=0)


def test_plan_record_is_idempotent_and_refuses_contradictions():
    history = [row('1'), row('2', success=False)]
    assert plan_record(history, request('1')) is False
    assert plan_record(history, request('1.0')) is False, 'trailing zeros name the same version'
    assert plan_record(history, request('2', success=False)) is False
    assert plan_record(history, request('2')) is True
    assert plan_record(history, request('3')) is True
    with pytest.raises(SchemaHistoryConflict, match="already applied with checksum c1; the request has checksum c9"):
        plan_record(history, request('1', checksum='c9'))
    assert plan_record(history, request('1', kind='repair', checksum='c9')) is True
    assert plan_record(history, request('1', kind='repair', checksum='c1')) is False
    assert plan_record(history, request('2', kind='repair', checksum='c1')) is True, 'a repair clears a failed run'
    with pytest.raises(SchemaHistoryConflict, match='nothing to repair'):
        plan_record(history, request('3', kind='repair'))
    with pytest.raises(SchemaHistoryConflict, match='cannot be recorded as undone'):
        plan_record(history, request('3', kind='undo'))
    undone = history + [row('1', kind='undo', checksum='u')]
    assert plan_record(undone, request('1', kind='undo', checksum='u')) is False
    assert plan_record(undone, request('1')) is True


def test_a_repair_clears_a_failed_undo_of_an_applied_version():
    history = [row('1'), row('1', kind='undo', checksum='u', success=False)]
    assert plan_record(history, request('1', kind='repair', checksum='c1')) is True
    assert plan_record(history + [row('1', kind='repair')], request('1', kind='repair', checksum='c1')) is False


def test_unresolved_failures_are_failed_rows_still_newest_of_their_version():
    failed = row('2', success=False)
    assert unresolved_failures([row('1'), failed, row('3', success=False), row('3')]) == [failed]
    assert unresolved_failures([row('1'), failed, row('2.0', kind='repair')]) == []
    assert unresolved_failures([row('1'), row('1', kind='undo', success=False)])[0]['kind'] == 'undo'


class RecordingCursor:
    def __init__(self):
        self.calls = []

    def execute(self, query, params=None):
        self.calls.append((query, params))


def test_rows_are_inserted_in_order_with_one_statement_per_thousand():
    cursor = RecordingCursor()
    requests = [request(str(n)) for n in range(1, 2502)]
    insert_schema_rows(cursor, 'public', requests, actor='deploy')
    assert [query.count('COALESCE') for query, _params in cursor.calls] == [1000, 1000, 501]
    assert cursor.calls[0][0].startswith('INSERT INTO "public"."schema_version" (module_name, version, ')
    params = [p for _query, chunk in cursor.calls for p in chunk]
    assert params[1::9] == [str(n) for n in range(1, 2502)]
    assert set(params[6::9]) == {'deploy'}


def numbered(*rows):
    return [dict(r, id=i) for i, r in enumerate(rows, 1)]


@pytest.mark.parametrize('rows, expected', [
    # (rows in apply order, (module, version) of the database's schema version)
    ([], None),
    ([row('1', module_name='core'), row('1')], ('comments', '1')),
    # Undoing V1.1 and V1.2 leaves comments at 1: the newest row (an undo of 1.1) is not a version.
    ([row('1', module_name='core'), row('1'), row('1.1'), row('1.2'), row('1.2', kind='undo'), row('1.1', kind='undo')],
     ('comments', '1')),
    # Everything of comments undone: the newest applied migration left is core's.
    ([row('1', module_name='core'), row('1'), row('1', kind='undo')], ('core', '1')),
    ([row('1'), row('1', kind='undo')], None),
    # A failed script and a repair are not versions either.
    ([row('1'), row('1.1', success=False)], ('comments', '1')),
    ([row('1'), row('1', kind='repair', checksum='c2')], ('comments', '1')),
    # Applied again after an undo: the newer apply counts.
    ([row('1'), row('1', module_name='core'), row('1', kind='undo'), row('1')], ('comments', '1')),
    ([row('1'), row('1.1'), row('1', module_name='core')], ('core', '1')),
])
def test_database_version_is_the_newest_applied_migration_not_undone(rows, expected):
    found = database_version_row(numbered(*rows))
    assert ((found['module_name'], found['version']) if found else None) == expected
