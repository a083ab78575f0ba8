# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.database_rollback import (
    NoRelease,
    database_method,
    switch_target,
)


def schema(version=None, failed=False):
    return dict(modules=dict(comments=dict(version=version)) if version else {}, failures=['comments'] if failed else [])


SKIPPED = dict(skipped=True, changed=False)
UNDO_OK = dict(changed=True, msg='would undo 2')
UNDO_FAILED = dict(failed=True, msg='U2__likes.sql is missing')
BACKUP_OK = dict(changed=True, msg='would restore')
BACKUP_DAMAGED = dict(failed=True, msg='the backup /b/1.dump is damaged')


@pytest.mark.parametrize('case, info, target, scripts, undo, check_undo, method', [
    ('already there', schema('1'), '1', '/m', None, False, 'none'),
    ('nothing applied, nothing to go back to', schema(), '', '/m', None, False, 'none'),
    ('undo scripts that check out', schema('2'), '1', '/m', UNDO_OK, True, 'undo'),
    ('undo scripts that do not', schema('2'), '1', '/m', UNDO_FAILED, True, 'restore'),
    ('no undo scripts: the backup', schema('2'), '1', '', SKIPPED, False, 'restore'),
    ('back to nothing by undo scripts', schema('2'), None, '/m', UNDO_OK, True, 'undo'),
    ('a script failed outside a transaction: only the backup', schema('2', failed=True), '1', '/m', SKIPPED, False,
     'restore'),
    ('failed outside a transaction at the target version still restores', schema('1', failed=True), '1', '/m', None,
     False, 'restore'),
    ('before the undo check ran', schema('2'), '1', '/m', None, True, 'restore'),
])
def test_undo_scripts_the_backup_or_nothing(case, info, target, scripts, undo, check_undo, method):
    decided = database_method(info, 'comments', target, scripts, undo, '/b/1.dump', BACKUP_OK)
    assert (decided['check_undo'], decided['method'], decided['refusal']) == (check_undo, method, ''), case


@pytest.mark.parametrize('case, info, undo, backup, backup_check, says', [
    ('no backup, undo scripts fail', schema('2'), UNDO_FAILED, '', SKIPPED,
     'cannot put the database of comments back to schema version 1 (it is at 2), so nothing was put back: the hosts, '
     'the schema and module_version are as they were before this rollback. Undo scripts: U2__likes.sql is missing. '
     'Backup: none was taken'),
    ('a damaged backup, no undo scripts', schema('2'), SKIPPED, '/b/1.dump', BACKUP_DAMAGED,
     'Undo scripts: none given. Backup: the backup /b/1.dump is damaged'),
    ('a failure outside a transaction and no backup', schema('2', failed=True), SKIPPED, '', SKIPPED,
     '(it is at 2, after a script failed outside a transaction), so nothing was put back'),
    ('a failure outside a transaction: the undo scripts are not usable', schema('2', failed=True), SKIPPED, '', SKIPPED,
     'Undo scripts: not usable after a failure outside a transaction. Backup: none was taken'),
])
def test_a_database_that_cannot_go_back_is_refused_saying_why(case, info, undo, backup, backup_check, says):
    decided = database_method(info, 'comments', '1', '/m', undo, backup, backup_check)
    assert decided['method'] == 'restore' and says in decided['refusal'], (case, decided['refusal'])


@pytest.mark.parametrize('case, undo, backup, backup_check', [
    ('the backup checks out', UNDO_FAILED, '/b/1.dump', BACKUP_OK),
    ('undo scripts serve: the backup is not needed', UNDO_OK, '', SKIPPED),
    ('the backup not checked yet', UNDO_FAILED, '/b/1.dump', None),
])
def test_no_refusal_while_a_way_back_works(case, undo, backup, backup_check):
    assert database_method(schema('2'), 'comments', '1', '/m', undo, backup, backup_check)['refusal'] == '', case


def test_back_to_nothing_names_none():
    decided = database_method(schema('2'), 'comments', '', '', SKIPPED, '', SKIPPED)
    assert 'back to schema version none (it is at 2)' in decided['refusal']


@pytest.mark.parametrize('release, query, expected', [
    ('1.0.0-0a1b2c3d', None, dict(release_id='1.0.0-0a1b2c3d', version=None)),
    ('1.0.0', None, dict(release_id=None, version='1.0.0')),
    ('2.0.0-rc.1', None, dict(release_id=None, version='2.0.0-rc.1')),
    ('', dict(previous=dict(id='1.0.0-0a1b2c3d')), dict(release_id='1.0.0-0a1b2c3d', version=None)),
    (None, dict(previous=dict(id='1.0.0-0a1b2c3d'), current=dict(id='1.1.0-ffffffff')),
     dict(release_id='1.0.0-0a1b2c3d', version=None)),
    # A version whose prerelease ends in 8 hex digits is taken for a release id, as the release module names them.
    ('1.0.0-deadbeef', None, dict(release_id='1.0.0-deadbeef', version=None)),
])
def test_the_release_a_host_without_recorded_links_returns_to(release, query, expected):
    assert switch_target(release, query, 'comments', 'web1') == expected


@pytest.mark.parametrize('query', [None, {}, dict(previous=None), dict(previous={}, skipped=True)])
def test_no_release_to_return_to_is_named(query):
    with pytest.raises(NoRelease, match='there is no previous release of comments on web1 to return to'):
        switch_target('', query, 'comments', 'web1')
