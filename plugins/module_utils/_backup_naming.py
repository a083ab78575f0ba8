# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names of database backups: ``blog_backup_<YYYYmmdd_HHMMSS>[_<n>].<ext>``, their order, a free
name for a new backup, and which backups retention removes.

The time is UTC, so names sort in time order across daylight saving changes. A second backup in
the same second gets ``_2``, the next ``_3``, and so on. While it is written a backup is called
``<name>.partial``; its sidecar ``<name>.json`` is written last.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import errno
import os
import re
import shutil

PREFIX = 'blog_backup_'
EXTENSIONS = {'custom': 'dump', 'directory': 'dir', 'plain': 'sql'}
FORMATS = dict((ext, fmt) for fmt, ext in EXTENSIONS.items())
PARTIAL_SUFFIX = '.partial'
SIDECAR_SUFFIX = '.json'
STAMP_FORMAT = '%Y%m%d_%H%M%S'

_NAME = re.compile(r'^blog_backup_(?P<stamp>\d{8}_\d{6})(?:_(?P<sequence>[1-9]\d*))?\.(?P<ext>dump|dir|sql)$', re.ASCII)


class BackupName:
    """A parsed backup name; instances sort oldest first."""

    def __init__(self, name, stamp, sequence, fmt):
        self.name = name
        self.stamp = stamp
        self.sequence = sequence
        self.format = fmt

    @property
    def key(self):
        return (self.stamp, self.sequence)

    def __lt__(self, other):
        return self.key < other.key

    def __eq__(self, other):
        return isinstance(other, BackupName) and self.name == other.name

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return 'BackupName(%r)' % self.name


def backup_name(when, fmt, sequence=1):
    """The name of backup number ``sequence`` taken at ``when`` (an aware or UTC datetime) in format ``fmt``."""
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc)
    suffix = '' if sequence == 1 else '_%d' % sequence
    return '%s%s%s.%s' % (PREFIX, when.strftime(STAMP_FORMAT), suffix, EXTENSIONS[fmt])


def parse_backup_name(name):
    """The BackupName of ``name``, or None when it is not the name of a backup (sidecars and partials are not)."""
    match = _NAME.fullmatch(name)
    if not match:
        return None
    try:
        stamp = datetime.datetime.strptime(match.group('stamp'), STAMP_FORMAT).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    sequence = int(match.group('sequence') or 1)
    if match.group('sequence') == '1':
        return None  # the first backup of a second has no suffix; '_1' is nobody's name
    return BackupName(name, stamp, sequence, FORMATS[match.group('ext')])


def sort_newest_first(names):
    """Backup names (text) that parse, newest first; the others are left out."""
    parsed = [parse_backup_name(name) for name in names]
    return [p.name for p in sorted((p for p in parsed if p is not None), reverse=True)]


def _taken(final):
    return os.path.lexists(final) or os.path.lexists(final + SIDECAR_SUFFIX)


def remove_path(path):
    """Remove a file, a symlink or a directory tree; a path that is already gone is fine."""
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.unlink(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise


def claim_backup_path(directory, fmt, when, attempts=10000):
    """Reserve a new backup name in ``directory`` and create its ``.partial`` (a 0600 file, or a
    0700 directory for the directory format). Returns (name, final path, partial path).

    The partial is created exclusively, then the final name and its sidecar are checked again:
    two processes in the same second can never get the same name, and a name that an earlier
    backup finished under is never reused.
    """
    for sequence in range(1, attempts + 1):
        name = backup_name(when, fmt, sequence)
        final = os.path.join(directory, name)
        partial = final + PARTIAL_SUFFIX
        if _taken(final):
            continue
        try:
            if fmt == 'directory':
                os.mkdir(partial, 0o700)
            else:
                os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, 'O_NOFOLLOW', 0), 0o600))
        except OSError as e:
            if e.errno == errno.EEXIST:
                continue
            raise
        if _taken(final):
            remove_path(partial)
            continue
        return name, final, partial
    raise RuntimeError('no free backup name in %s for %s after %d attempts' % (directory, when, attempts))


def retention_removals(names, keep, protect=None):
    """The backups (names) that keeping the newest ``keep`` removes; ``protect`` (the backup just
    written) is never removed, even when another host's clock put newer names in the directory.
    ``keep`` None keeps everything."""
    if keep is None:
        return []
    newest_first = sort_newest_first(names)
    kept = newest_first[:keep]
    if protect is not None and protect in newest_first and protect not in kept:
        kept = newest_first[:keep - 1] + [protect] if keep > 0 else [protect]
    return [name for name in newest_first if name not in kept]
