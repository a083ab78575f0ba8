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
