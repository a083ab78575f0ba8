# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The backups of a backup directory: complete ones (a backup with a valid sidecar, written by this
user), newest first, and leftovers (``.partial`` files, dumps without a sidecar, sidecars without a
dump, files another user could have written), which are reported but never used. Also: which backup
``latest`` or a path means, and ages.

``latest`` is the newest backup of the directory, never an older one in its place: when the newest is
unfinished, has no valid sidecar or could have been planted, resolving it fails naming it, and the
operator names the backup to restore."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re
import time

from ansible_collections.blogops.release.plugins.module_utils._backup_naming import (
    PARTIAL_SUFFIX,
    SIDECAR_SUFFIX,
    parse_backup_name,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import (
    InvalidSidecar,
    read_sidecar,
    sidecar_path,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import (
    UntrustedBackup,
    backup_problem,
    check_backup_trusted,
    check_directory,
)

_AGE = re.compile(r'^(?:(?P<w>\d+)w)?(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s?)?$', re.ASCII)
_UNITS = (('w', 604800), ('d', 86400), ('h', 3600), ('m', 60), ('s', 1))


class BackupNotFound(ValueError):
    """No backup where the caller said there would be one."""


class Backup:
    """A complete backup: its dump (file or directory) and its validated sidecar."""

    def __init__(self, path, sidecar):
        self.path = path
        self.name = os.path.basename(path)
        self.sidecar_path = sidecar_path(path)
        self.sidecar = sidecar
        self.parsed = parse_backup_name(self.name)

    @property
    def key(self):
        return self.parsed.key if self.parsed else (parse_timestamp(self.sidecar['timestamp']), 0)

    def age_seconds(self, now=None):
        now = now or datetime.datetime.now(datetime.timezone.utc)
        return int((now - parse_timestamp(self.sidecar['timestamp'])).total_seconds())

    def summary(self, now=None):
        """What the info and restore modules return about the backup."""
        content = self.sidecar
        return dict(name=self.name, path=self.path, sidecar=self.sidecar_path, database=content['database'],
                    format=content['format'], timestamp=content['timestamp'], age_seconds=self.age_seconds(now),
                    size=content['size'], sha256=content['sha256'], label=content.get('label'),
                    schema_version=content['schema_version'], schema_versions=content['schema_versions'],
                    module_versions=content['module_versions'])


def parse_timestamp(text):
    """A sidecar timestamp (ISO 8601; ``Z`` or an offset) as an aware datetime."""
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value


def utc_timestamp(when):
    return when.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%fZ')


def scan_backups(directory, database=None):
    """(complete backups newest first, leftovers) of ``directory``; with ``database``, only that
    database's complete backups. A leftover is a dict: name, path, reason. A missing directory has none."""
    try:
        names = sorted(os.listdir(directory))
    except OSError as e:
        if not os.path.exists(directory):
            return [], []
        raise BackupNotFound('cannot list the backup directory %s: %s' % (directory, e))
    complete, leftovers = [], []
    present = set(names)
    for name in names:
        path = os.path.join(directory, name)
        if name.endswith(PARTIAL_SUFFIX):
            base = name[:-len(PARTIAL_SUFFIX)]
            if parse_backup_name(base) or (base.endswith(SIDECAR_SUFFIX) and parse_backup_name(base[:-len(SIDECAR_SUFFIX)])):
                leftovers.append(dict(name=name, path=path, reason='unfinished: a backup being written now, '
                                      'or one that was interrupted'))
            continue
        if name.endswith(SIDECAR_SUFFIX):
            base = name[:-len(SIDECAR_SUFFIX)]
            if parse_backup_name(base) and base not in present:
                leftovers.append(dict(name=name, path=path, reason='a sidecar without its backup'))
            continue
        if parse_backup_name(name) is None:
            continue
        try:
            sidecar = read_sidecar(path)
        except InvalidSidecar as e:
            leftovers.append(dict(name=name, path=path, reason=str(e)))
            continue
        untrusted = backup_problem(path, sidecar_path(path))
        if untrusted:
            leftovers.append(dict(name=name, path=path, reason=untrusted))
            continue
        if database is None or sidecar['database'] == database:
            complete.append(Backup(path, sidecar))
    complete.sort(key=lambda backup: backup.key, reverse=True)
    return complete, leftovers


ABANDONED_AFTER = 10


def paths_in_use(proc='/proc'):
    """Every path that a process of this machine has open or as its working directory (Linux /proc; the
    processes this user may see)."""
    found = set()
    try:
        pids = [entry for entry in os.listdir(proc) if entry.isdigit()]
    except OSError:
        return None
    for pid in pids:
        base = os.path.join(proc, pid)
        links = [os.path.join(base, 'cwd')]
        try:
            links += [os.path.join(base, 'fd', fd) for fd in os.listdir(os.path.join(base, 'fd'))]
        except OSError:
            pass
        for link in links:
            try:
                found.add(os.readlink(link))
            except OSError:
                continue
    return found


def abandoned_partials(directory, leftovers, now=None, in_use=None, proc='/proc'):
    """The ``.partial`` leftovers that no process holds open (nor anything inside them, for a directory
    dump) and that have not changed for ABANDONED_AFTER seconds: those of a killed run. Empty where
    /proc cannot tell."""
    partial = [leftover for leftover in leftovers if leftover['name'].endswith(PARTIAL_SUFFIX)]
    if not partial:
        return []
    in_use = paths_in_use(proc) if in_use is None else in_use
    if in_use is None:
        return []
    now = now or time.time()
    found = []
    for leftover in partial:
        path = os.path.realpath(leftover['path'])
        try:
            changed = os.lstat(path).st_mtime
        except OSError:
            continue
        if now - changed < ABANDONED_AFTER:
            continue
        if any(used == path or used.startswith(path + os.sep) for used in in_use):
            continue
        found.append(leftover)
    return found


def _candidates(directory, names):
    """(key, path, unfinished) of every name in ``directory`` that is, or is becoming, a backup, newest first;
    a sidecar without its dump counts as the missing dump."""
    found = {}
    present = set(names)
    for name in names:
        unfinished = name.endswith(PARTIAL_SUFFIX)
        base = name[:-len(PARTIAL_SUFFIX)] if unfinished else name
        if base.endswith(SIDECAR_SUFFIX):
            if unfinished or base[:-len(SIDECAR_SUFFIX)] in present:
                continue
            base = base[:-len(SIDECAR_SUFFIX)]
        parsed = parse_backup_name(base)
        if parsed is None:
            continue
        if unfinished and base in present:
            continue  # the finished backup is there, the partial is another run's stray
        found[base] = (parsed.key, os.path.join(directory, base), unfinished)
    return sorted(found.values(), reverse=True)


def _database_of(path):
    """The database a sidecar names, even one that is otherwise invalid; None when it cannot be read."""
    try:
        with open(sidecar_path(path)) as f:
            content = json.load(f)
        return content.get('database') if isinstance(content, dict) else None
    except (OSError, IOError, ValueError):
        return None


def resolve_latest(directory, database=None):
    """The newest backup of ``database`` in ``directory``, checked: raises BackupNotFound, naming it, when it is
    unfinished, has no valid sidecar, or could have been written by another user (UntrustedBackup); never
    falls back to an older backup. Backups whose sidecar names another database are passed over."""
    of_db = " of database '%s'" % database if database else ''
    if not os.path.lexists(directory):
        raise BackupNotFound('there is no backup%s in %s: the directory does not exist' % (of_db, directory))
    check_directory(directory)
    try:
        names = sorted(os.listdir(directory))
    except OSError as e:
        raise BackupNotFound('cannot list the backup directory %s: %s' % (directory, e))
    for _key, path, unfinished in _candidates(directory, names):
        owner = _database_of(path)
        if database and owner is not None and owner != database:
            continue
        problem = sidecar = None
        if unfinished:
            problem = ('it is unfinished (%s%s): a backup being written now, or one that was interrupted'
                       % (os.path.basename(path), PARTIAL_SUFFIX))
        elif not os.path.lexists(path):
            problem = 'its sidecar %s exists but the backup itself is missing' % sidecar_path(path)
        else:
            try:
                sidecar = read_sidecar(path)
            except InvalidSidecar as e:
                problem = str(e)
        if problem is None:
            untrusted = backup_problem(path, sidecar_path(path))
            if untrusted:
                raise UntrustedBackup('the newest backup%s in %s is %s and it cannot be trusted: %s'
                                      % (of_db, directory, os.path.basename(path), untrusted))
            return Backup(path, sidecar)
        raise BackupNotFound('the newest backup%s in %s is %s and it is not a complete backup: %s. backup=latest '
                             'restores only the newest backup, never an older one in its place: name the backup to '
                             'restore (backup=PATH), or remove %s once you know why it is incomplete'
                             % (of_db, directory, os.path.basename(path), problem, path))
    raise BackupNotFound('there is no backup%s in %s' % (of_db, directory))


def resolve_backup(spec, directory=None, database=None):
    """The Backup that ``spec`` names: ``latest`` (see resolve_latest), or the path of a backup (or of its
    sidecar), which must be trusted. Raises BackupNotFound, InvalidSidecar or UntrustedBackup."""
    if spec == 'latest':
        if not directory:
            raise BackupNotFound('backup=latest needs backup_dir, the directory to look in')
        return resolve_latest(directory, database)
    path = spec.rstrip(os.sep) or spec
    if directory and not os.path.isabs(path):
        path = os.path.join(directory, path)
    if path.endswith(SIDECAR_SUFFIX) and parse_backup_name(os.path.basename(path)[:-len(SIDECAR_SUFFIX)]):
        path = path[:-len(SIDECAR_SUFFIX)]
    if not os.path.lexists(path):
        if os.path.lexists(sidecar_path(path)):
            raise BackupNotFound('the backup %s is missing although its sidecar %s exists' % (path, sidecar_path(path)))
        raise BackupNotFound('the backup %s does not exist' % path)
    check_backup_trusted(path, sidecar_path(path))
    return Backup(path, read_sidecar(path))


def parse_age(text):
    """Seconds in an age such as ``1d``, ``26h``, ``1d12h``, ``90m``, ``3600s`` or ``3600``; raises ValueError."""
    compact = str(text).replace(' ', '').lower()
    match = _AGE.fullmatch(compact)
    if not compact or not match:
        raise ValueError("invalid max_age %r: expected a duration such as '1d', '26h', '1d12h', '90m' or a number "
                         "of seconds" % (text,))
    seconds = sum(int(match.group(unit) or 0) * factor for unit, factor in _UNITS)
    if seconds <= 0:
        raise ValueError('invalid max_age %r: it must be longer than 0 seconds' % (text,))
    return seconds


def describe_age(seconds):
    """An age for people: its largest unit and the next one, ``1d 6h``, ``2h 5m``, ``40s``."""
    seconds = max(0, int(seconds))
    for index, (unit, factor) in enumerate(_UNITS[1:], 1):
        if seconds >= factor or unit == 's':
            count, rest = divmod(seconds, factor)
            text = '%d%s' % (count, unit)
            if unit != 's':
                next_unit, next_factor = _UNITS[index + 1]
                if rest // next_factor:
                    text += ' %d%s' % (rest // next_factor, next_unit)
            return text
