# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy's steps on the database: the step a module notes on its own connection, and the proof of the record."""

import pytest

from ansible_collections.blogops.release.plugins.module_utils import _deploy_progress as deploy_progress
from ansible_collections.blogops.release.plugins.module_utils._deploy_close import schema_mismatch
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DeployConflict

ROW = dict(version='1.1.0', checksum='sha256:ab', schema_version='1.2')


@pytest.mark.parametrize('recorded, current, expected', [
    (ROW, dict(version='1.2'), ''),
    (dict(ROW, schema_version=None), None, ''),
    (dict(ROW, schema_version=''), dict(version=None), ''),
    (ROW, dict(version='1.1'), 'module_version holds schema version 1.2, the schema is at 1.1'),
    (ROW, None, 'module_version holds schema version 1.2, the schema is at none'),
    (dict(ROW, schema_version=None), dict(version='1'), 'module_version holds schema version none, the schema is at 1'),
    (None, dict(version='1'), 'release no row (no checksum)'),
])
def test_the_record_matches_the_schema_or_says_what_differs(recorded, current, expected):
    found = schema_mismatch(recorded, current)
    if not expected:
        assert found == ''
    else:
        assert found.startswith('the database does not match release') and expected in found, found


@pytest.mark.parametrize('params, wanted', [
    (dict(history_id=7, progress_note='step: migrate'), True),
    (dict(history_id=0, progress_note='step: migrate'), False),
    (dict(history_id=None, progress_note='step: migrate'), False),
    (dict(history_id=7, progress_note=None), False),
    (dict(history_id=7, progress_note=''), False),
    (dict(), False),
])
def test_a_note_is_written_only_for_a_row_and_a_note(params, wanted):
    assert deploy_progress.wants_progress(params) is wanted


class Session:
    def __init__(self):
        self.ended = []

    def commit(self):
        self.ended.append('commit')

    def rollback(self):
        self.ended.append('rollback')


class DriverError(Exception):
    pass


@pytest.mark.parametrize('raised, check_mode, warning, ended', [
    (None, False, '', ['commit']),
    (None, True, None, []),
    (DriverError('server closed the connection'), False, 'server closed the connection', ['rollback']),
    (DeployConflict('history row 7 (core) is already finished as failed'), False, 'already finished', ['rollback']),
])
def test_a_note_that_cannot_be_written_is_a_warning(monkeypatch, raised, check_mode, warning, ended):
    written = []

    def update_deploy(cursor, schema, history_id, message=None, backup=None, checkpoint=None):
        written.append((history_id, message, backup, checkpoint))
        if raised is not None:
            raise raised
    monkeypatch.setattr(deploy_progress, 'update_deploy', update_deploy)
    session = Session()
    found = deploy_progress.note_progress(session, None, 'public', dict(history_id=7, progress_note='step: upload'),
                                          backup='/b/x.dump', checkpoint={'format': 1}, check_mode=check_mode,
                                          error_class=DriverError)
    assert session.ended == ended
    if warning is None:
        assert (found, written) == ('', [])
    else:
        assert written == [(7, 'step: upload', '/b/x.dump', {'format': 1})]
        assert (warning in found and 'history row 7' in found) if warning else found == '', found


OPEN = dict(module_name='comments', to_version='1.4.0')


@pytest.mark.parametrize('spec, expected', [
    (OPEN, dict(OPEN, actor=None, note=None, controller=None, controller_pid=None, controller_token=None)),
    (dict(OPEN, actor='', note='step: backup', controller='ctl1', controller_pid='4242', controller_token='b:n:1'),
     dict(OPEN, actor=None, note='step: backup', controller='ctl1', controller_pid=4242, controller_token='b:n:1')),
    (dict(OPEN, to_version='2.0.0-rc.1', actor='alice'),
     dict(OPEN, to_version='2.0.0-rc.1', actor='alice', note=None, controller=None, controller_pid=None,
          controller_token=None)),
])
def test_open_deploy_is_checked_and_normalised(spec, expected):
    assert deploy_progress.check_open_deploy(spec) == expected


@pytest.mark.parametrize('spec, said', [
    ('comments', 'open_deploy must be a dict with module_name and to_version'),
    (dict(OPEN, version='1.4.0'), 'open_deploy: unknown key(s) version; allowed: module_name, to_version'),
    (dict(to_version='1.4.0'), 'open_deploy.module_name is required'),
    (dict(OPEN, module_name='Comments'), "invalid open_deploy.module_name 'Comments'"),
    (dict(OPEN, to_version=''), 'open_deploy.to_version is required'),
    (dict(OPEN, to_version='1.4'), "open_deploy.to_version must be a semantic version such as 1.4.0, got '1.4'"),
    (dict(OPEN, controller_pid='many'), "open_deploy.controller_pid must be a process id, got 'many'"),
])
def test_a_bad_open_deploy_is_refused_naming_the_key(spec, said):
    with pytest.raises(ValueError) as raised:
        deploy_progress.check_open_deploy(spec)
    assert said in str(raised.value), raised.value


@pytest.mark.parametrize('raised, check_mode, ended', [
    (None, False, ['commit']),
    (None, True, ['commit']),
    (DeployConflict('another deploy of comments 1.3.0 -> 1.4.0 by bob'), False, ['rollback']),
    (DriverError('server closed the connection'), False, ['rollback']),
])
def test_the_step_opens_the_row_in_a_transaction_of_its_own(monkeypatch, raised, check_mode, ended):
    opened = []

    def open_deploy(cursor, schema, module_name, to_version, actor=None, message=None, check_mode=False, run=None):
        opened.append((module_name, to_version, actor, message, check_mode, run))
        if raised is not None:
            raise raised
        return dict(id=None if check_mode else 42, module_name=module_name)
    monkeypatch.setattr(deploy_progress, 'open_deploy', open_deploy)
    session = Session()
    spec = deploy_progress.check_open_deploy(dict(OPEN, note='step: backup', controller='ctl1', controller_pid=7,
                                                  controller_token='b:n:1'))
    if raised is None:
        row = deploy_progress.open_step_deploy(session, None, 'public', spec, check_mode=check_mode)
        assert row == dict(id=None if check_mode else 42, module_name='comments')
    else:
        with pytest.raises(type(raised)):
            deploy_progress.open_step_deploy(session, None, 'public', spec, check_mode=check_mode)
    assert opened == [('comments', '1.4.0', None, 'step: backup', check_mode,
                       dict(controller='ctl1', controller_pid=7, controller_token='b:n:1'))]
    assert session.ended == ended
