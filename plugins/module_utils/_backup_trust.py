# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which backups may be trusted: only those that nobody but the user running the module could have
written. A restore runs what a backup holds with that user's rights (for a plain-SQL dump, through
psql on this host), so a backup planted by another user must never be restored.

Trusted means: the backup directory belongs to this user and neither its group nor others may write
into it, and the backup (every file of a directory-format backup) and its sidecar belong to this user
and are writable by nobody else. Links are judged by what they point to, and by the directory that
holds the link.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

try:
    import pwd
except ImportError:  # pragma: no cover - not on POSIX
    pwd = None

WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


class UntrustedBackup(ValueError):
    """A backup, or a backup directory, that someone other than this user could have written."""


def describe_user(uid):
    """``uid 0 (root)``, or the number alone when the user has no name."""
    try:
        return 'uid %d (%s)' % (uid, pwd.getpwuid(uid).pw_name)
    except (KeyError, AttributeError):
        return 'uid %d' % uid


def directory_problem(directory, uid=None):
    """Why ``directory`` cannot hold trusted backups, with how to fix it; None when it can."""
    uid = os.geteuid() if uid is None else uid
    try:
        st = os.stat(directory)
    except OSError as e:
        return 'cannot read the backup directory %s: %s' % (directory, e.strerror or e)
    mode = stat.S_IMODE(st.st_mode)
    fix = 'chown %d %s && chmod 0700 %s' % (uid, directory, directory)
    if st.st_uid != uid:
        return ('the backup directory %s belongs to %s, not to %s, which runs this: that user could have put a backup '
                'there. Use a directory that only %s can write (%s), after checking the backups in it'
                % (directory, describe_user(st.st_uid), describe_user(uid), describe_user(uid), fix))
    if mode & WRITABLE_BY_OTHERS:
        return ('the backup directory %s has mode %04o: %s can write into it, so a backup there could have been '
                'planted by another user. Make it private (chmod 0700 %s), after checking the backups in it'
                % (directory, mode, 'its group and others' if mode & stat.S_IWGRP and mode & stat.S_IWOTH
                   else 'its group' if mode & stat.S_IWGRP else 'others', directory))
    return None


def check_directory(directory, uid=None):
    """Raise UntrustedBackup when ``directory`` could hold backups planted by another user."""
    problem = directory_problem(directory, uid)
    if problem:
        raise UntrustedBackup(problem)


def _file_problem(path, uid):
    try:
        st = os.stat(path)
    except OSError as e:
        return 'cannot read %s: %s' % (path, e.strerror or e)
    mode = stat.S_IMODE(st.st_mode)
    if st.st_uid != uid:
        return ('%s belongs to %s, not to %s, which runs this: another user could have written it'
                % (path, describe_user(st.st_uid), describe_user(uid)))
    if mode & WRITABLE_BY_OTHERS:
        return '%s has mode %04o: another user could have changed it' % (path, mode)
    return None


def backup_problem(path, sidecar_path, uid=None):
    """Why the backup at ``path`` (file or directory) with its sidecar cannot be trusted; None when it can."""
    uid = os.geteuid() if uid is None else uid
    directories = set([os.path.dirname(os.path.abspath(path))])
    paths = [path, sidecar_path]
    for link in (path, sidecar_path):
        if os.path.islink(link):
            directories.add(os.path.dirname(os.path.realpath(link)))
    if os.path.isdir(path):
        for directory, dirnames, filenames in os.walk(path):
            paths += [os.path.join(directory, name) for name in dirnames + filenames]
    for directory in sorted(directories):
        problem = directory_problem(directory, uid)
        if problem:
            return problem
    for candidate in paths:
        if not os.path.lexists(candidate):
            continue
        problem = _file_problem(candidate, uid)
        if problem:
            return ('%s. Restore only backups that this user wrote: remove %s and its sidecar, or, after checking '
                    'their content, chown them to %s' % (problem, path, describe_user(uid)))
    return None


def check_backup_trusted(path, sidecar_path, uid=None):
    """Raise UntrustedBackup when the backup at ``path`` or its sidecar could have been written by another user."""
    problem = backup_problem(path, sidecar_path, uid)
    if problem:
        raise UntrustedBackup(problem)
