# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The step a deploy reached, written by the step's own module on its own connection.

A deploy notes each step in its history row (``step: migrate``), so that a later run can tell how far
a killed run got. Writing the note in a module run of its own costs a process start and a connection per
step; the steps' modules (db_backup, migrate, module_version) take the note as options instead and write
it in a transaction of its own, so that it stays when the step itself fails or is killed. A note that
cannot be written fails nothing: the step that needs the database says what is wrong with it.

The first step's module (db_backup) can also open the deploy's row (``open_deploy``) before its work, in a
transaction of its own, so that opening the deploy costs no module run either; a refused open is the step's
failure, and the step does nothing.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._deploy_history import RUN_FIELDS, DeployConflict, open_deploy, update_deploy
from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._semver import is_version

PROGRESS_ARGUMENT_SPEC = dict(
    history_id=dict(type='int'),
    progress_note=dict(type='str'),
)

# The keys of an ``open_deploy`` option: what the deployment module's state=started takes, and the run's identity,
# which the step's action plugin adds on the controller (plugin_utils/controller_run).
OPEN_DEPLOY_KEYS = ('module_name', 'to_version', 'actor', 'note') + RUN_FIELDS


def check_open_deploy(spec):
    """The ``open_deploy`` option checked: a dict of OPEN_DEPLOY_KEYS with a valid module_name and to_version,
    empty values as None. Raises ValueError naming the key and what is allowed."""
    if not isinstance(spec, dict):
        raise ValueError('open_deploy must be a dict with module_name and to_version, got %r' % (spec,))
    unknown = sorted(set(spec) - set(OPEN_DEPLOY_KEYS))
    if unknown:
        raise ValueError('open_deploy: unknown key(s) %s; allowed: %s' % (', '.join(unknown), ', '.join(OPEN_DEPLOY_KEYS)))
    wanted = dict((key, spec.get(key) if spec.get(key) not in ('', None) else None) for key in OPEN_DEPLOY_KEYS)
    for key in ('module_name', 'to_version', 'actor', 'note', 'controller', 'controller_token'):
        if wanted[key] is not None:
            wanted[key] = str(wanted[key])
    if wanted['module_name'] is None:
        raise ValueError('open_deploy.module_name is required')
    check_blog_module_name(wanted['module_name'], 'open_deploy.module_name')
    if wanted['to_version'] is None:
        raise ValueError('open_deploy.to_version is required: the version being deployed')
    if not is_version(wanted['to_version']):
        raise ValueError('open_deploy.to_version must be a semantic version such as 1.4.0, got %r' % wanted['to_version'])
    pid = wanted['controller_pid']
    if pid is not None:
        if not str(pid).isdigit():
            raise ValueError('open_deploy.controller_pid must be a process id, got %r' % (pid,))
        wanted['controller_pid'] = int(pid)
    return wanted


def open_step_deploy(conn, cursor, schema, spec, check_mode=False):
    """Open the deploy's row described by ``spec`` (check_open_deploy's result) and commit; returns the row (a null
    id in check mode). Raises DeployConflict when another deploy is open, or the database error."""
    try:
        row = open_deploy(cursor, schema, spec['module_name'], spec['to_version'], spec['actor'], spec['note'],
                          check_mode=check_mode, run=dict((field, spec[field]) for field in RUN_FIELDS))
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return row


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
