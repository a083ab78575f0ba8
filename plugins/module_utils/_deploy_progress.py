# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The step a deploy reached, written by the step's own module on its own connection.

A deploy notes each step in its history row (``step: migrate``), so that a later run can tell how far
a killed run got. Writing the note in a module run of its own costs a process start and a connection per
step; the steps' modules (db_backup, migrate, module_version) take the note as options instead and write
it in a transaction of its own, so that it stays when the step itself fails or is killed. A note that
cannot be written fails nothing: the step that needs the database says what is wrong with it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DeployConflict, update_deploy

PROGRESS_ARGUMENT_SPEC = dict(
    history_id=dict(type='int'),
    progress_note=dict(type='str'),
)


def wants_progress(params):
    """Whether the task asks for a note: a history row (id > 0) and a note."""
    return bool(params.get('history_id')) and bool(params.get('progress_note'))


def note_progress(conn, cursor, schema, params, backup=None, checkpoint=None, check_mode=False, error_class=Exception):
    """Write ``params``' progress_note (and ``backup``, ``checkpoint``) into the deploy's row and commit.

    Returns a warning text when it could not ('' when written or not asked for); never raises a database error.
    """
    if check_mode or not wants_progress(params):
        return ''
    try:
        update_deploy(cursor, schema, params['history_id'], message=params['progress_note'], backup=backup,
                      checkpoint=checkpoint)
        conn.commit()
    except (DeployConflict, error_class) as e:
        conn.rollback()
        return 'the step reached (%s) could not be noted in history row %s: %s' % (
            params['progress_note'], params['history_id'], e)
    return ''
