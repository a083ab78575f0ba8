# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How the rollback role puts a blog module back: undo scripts, the backup, or nothing, and which release each
app host returns to.

The role asks before it changes anything: it reads the schema version, checks the undo scripts in check mode
when they could serve, and checks the backup when it would need it. ``database_method`` turns those reads into
the way the database goes back, or the reason it cannot (then nothing is changed); ``switch_target`` names the
release a host without recorded links returns to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# A release id is the version and 8 hex digits of its checksum (release_layout); anything else is a version.
_RELEASE_ID = re.compile(r'.*-[0-9a-f]{8}$')


class NoRelease(ValueError):
    """A host has no release to return to."""


def _ran(result):
    """Whether a registered task result is of a task that ran (not skipped, not missing)."""
    return bool(result) and not result.get('skipped')


def schema_state(schema_info, module):
    """(the blog module's schema version now, '' for none; whether a script of it failed outside a transaction),
    from schema_version_info's result."""
    schema_info = schema_info or {}
    version = ((schema_info.get('modules') or {}).get(module) or {}).get('version') or ''
    return version, module in (schema_info.get('failures') or ())


def database_method(schema_info, module, target, migrations_path='', undo_check=None, backup='', backup_check=None):
    """How the database of ``module`` goes back to schema version ``target`` ('' or None: none).

    ``undo_check`` and ``backup_check`` are the registered results of the migrate (state=undo) and db_restore runs
    in check mode, None before they ran. Returns a dict: ``schema_now``, ``left_failures``, ``check_undo`` (whether
    the undo scripts are worth checking), ``method`` (``none``, ``undo`` or ``restore``) and ``refusal`` (why the
    database cannot go back, '' when it can; only final once the backup was checked)."""
    target = target or ''
    now, left = schema_state(schema_info, module)
    check_undo = not left and now != target and bool(migrations_path)
    if left:
        # A script that failed outside a transaction left the schema half changed: only the backup is sure.
        method = 'restore'
    elif now == target:
        method = 'none'
    elif _ran(undo_check) and not undo_check.get('failed'):
        method = 'undo'
    else:
        method = 'restore'
    refusal = ''
    if method == 'restore' and (not backup or (backup_check or {}).get('failed')):
        if _ran(undo_check):
            undo = undo_check.get('msg', 'none given')
        else:
            undo = 'not usable after a failure outside a transaction' if left else 'none given'
        refusal = ('cannot put the database of %s back to schema version %s (it is at %s%s), so nothing was put back: '
                   'the hosts, the schema and module_version are as they were before this rollback. Undo scripts: %s. '
                   'Backup: %s' % (module, target or 'none', now or 'none',
                                   ', after a script failed outside a transaction' if left else '', undo,
                                   (backup_check or {}).get('msg', '') if backup else 'none was taken'))
    return dict(schema_now=now, left_failures=left, check_undo=check_undo, method=method, refusal=refusal)


def switch_target(release, query, module, host):
    """The release a host without recorded links makes live: ``release`` (a release id or a version) when given,
    else the previous release of the release module's ``query`` result. Returns {'release_id', 'version'}, one of
    them None; raises NoRelease when there is none to return to."""
    target = release or ((query or {}).get('previous') or {}).get('id')
    if not target:
        raise NoRelease('there is no previous release of %s on %s to return to' % (module, host))
    if _RELEASE_ID.match(target):
        return dict(release_id=target, version=None)
    return dict(release_id=None, version=target)
