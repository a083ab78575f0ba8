# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sidecar ``<backup>.json`` of a database backup: what the backup holds (schema and blog
module versions), how to check it (sha256, size) and how it was made.

A backup exists only when its sidecar does: the sidecar is written last, atomically, so a dump
without one is a leftover. Reading a sidecar validates it; checking a backup recomputes its
checksum (for the directory format: tree_digest's checksum of the directory's manifest).

The file format only: the versions a backup records are read from the database by backup_versions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

from ansible_collections.blogops.release.plugins.module_utils._atomic_file import atomic_file
from ansible_collections.blogops.release.plugins.module_utils._backup_naming import (
    EXTENSIONS,
    SIDECAR_SUFFIX,
    parse_backup_name,
)
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import file_sha256, tree_sha256

SIDECAR_FORMAT = 1
VERSION_FIELDS = ('schema_version', 'schema_versions', 'module_versions')
SHA256_HEX = re.compile(r'^[0-9a-f]{64}$', re.ASCII)
# field: accepted types (None for JSON null)
_FIELDS = {
    'sidecar_format': (int,),
    'name': (str,),
    'format': (str,),
    'database': (str,),
    'timestamp': (str,),
    'sha256': (str,),
    'size': (int,),
    'schema_version': (str, type(None)),
    'schema_versions': (dict,),
    'module_versions': (dict,),
    'tracking_schema': (str,),
}


class InvalidSidecar(ValueError):
    """A sidecar that is missing, unreadable or does not describe its backup."""


class BackupMismatch(ValueError):
    """A backup whose content is not what its sidecar says; ``actual`` is its checksum when it has one."""

    def __init__(self, message, actual=None):
        super(BackupMismatch, self).__init__(message)
        self.actual = actual


def sidecar_path(backup_path):
    return backup_path + SIDECAR_SUFFIX


def version_differences(expected, actual):
    """What differs between two version maps as backup_versions.read_versions reads them; empty when they agree."""
    differences = []
    if expected.get('schema_version') != actual.get('schema_version'):
        differences.append('schema version of the database: backup %s, restored %s'
                           % (expected.get('schema_version'), actual.get('schema_version')))
    for field, what in (('schema_versions', 'schema version'), ('module_versions', 'version')):
        wanted, found = expected.get(field) or {}, actual.get(field) or {}
        for name in sorted(set(wanted) | set(found)):
            if wanted.get(name) != found.get(name):
                differences.append('%s of blog module %s: backup %s, restored %s'
                                   % (what, name, json.dumps(wanted.get(name), sort_keys=True),
                                      json.dumps(found.get(name), sort_keys=True)))
    return differences


def build_sidecar(name, fmt, database, timestamp, digest, size, versions, **details):
    """The sidecar of backup ``name``; ``details`` are the optional fields (label, versions of the
    server and pg_dump, compression, database encoding and locale, ...)."""
    content = dict(sidecar_format=SIDECAR_FORMAT, name=name, format=fmt, database=database, timestamp=timestamp,
                   sha256=digest, size=size)
    content.update((field, versions[field]) for field in VERSION_FIELDS)
    content.update(details)
    return content


def write_sidecar(path, content):
    """Write ``content`` to ``path`` atomically: a backup's sidecar appears whole or not at all."""
    with atomic_file(path, unique=False) as f:
        f.write((json.dumps(content, indent=2, sort_keys=True) + '\n').encode('utf-8'))


def read_sidecar(backup_path):
    """The validated sidecar of the backup at ``backup_path``; raises InvalidSidecar saying what is wrong."""
    path = sidecar_path(backup_path)
    try:
        with open(path) as f:
            content = json.load(f)
    except (OSError, IOError) as e:
        if not os.path.lexists(path):
            raise InvalidSidecar('%s has no sidecar %s, so it is not a complete backup (a backup is complete only '
                                 'once its sidecar is written)' % (backup_path, path))
        raise InvalidSidecar('cannot read the sidecar %s: %s' % (path, e))
    except ValueError as e:
        raise InvalidSidecar('the sidecar %s is not valid JSON: %s' % (path, e))
    return validate_sidecar(content, backup_path)


def validate_sidecar(content, backup_path):
    """``content``, the parsed sidecar of the backup at ``backup_path``, checked field by field; raises
    InvalidSidecar saying what is wrong."""
    path = sidecar_path(backup_path)
    if not isinstance(content, dict):
        raise InvalidSidecar('the sidecar %s does not hold a JSON object' % path)
    for field, types in _FIELDS.items():
        if field not in content:
            raise InvalidSidecar('the sidecar %s lacks the field %r' % (path, field))
        if not isinstance(content[field], types) or isinstance(content[field], bool):
            raise InvalidSidecar('the sidecar %s has an invalid %r: %r' % (path, field, content[field]))
    if content['sidecar_format'] > SIDECAR_FORMAT:
        raise InvalidSidecar('the sidecar %s has format %d; this collection reads format %d or older'
                             % (path, content['sidecar_format'], SIDECAR_FORMAT))
    name = os.path.basename(backup_path.rstrip(os.sep))
    parsed = parse_backup_name(name)
    if content['name'] != name:
        raise InvalidSidecar('the sidecar %s describes %r, not %r' % (path, content['name'], name))
    if content['format'] not in EXTENSIONS or (parsed is not None and parsed.format != content['format']):
        raise InvalidSidecar('the sidecar %s has format %r, which does not fit the backup %s'
                             % (path, content['format'], name))
    if not SHA256_HEX.fullmatch(content['sha256']):
        raise InvalidSidecar('the sidecar %s has an invalid sha256 %r' % (path, content['sha256']))
    return content


def backup_digest(path, fmt, workers=1):
    """(sha256, size in bytes) of a backup: of the file, or for the directory format of its tree's manifest."""
    if fmt == 'directory':
        if not os.path.isdir(path) or os.path.islink(path):
            raise BackupMismatch('%s is not a directory, as a directory-format backup is' % path)
        size = 0
        for directory, _dirs, files in os.walk(path):
            size += sum(os.lstat(os.path.join(directory, name)).st_size for name in files)
        return tree_sha256(path, workers), size
    if not os.path.isfile(path):
        raise BackupMismatch('%s is not a file, as a %s-format backup is' % (path, fmt))
    return file_sha256(path), os.path.getsize(path)


def check_backup(path, sidecar, workers=1):
    """Recompute the checksum of the backup at ``path``; raise BackupMismatch naming the file and both
    checksums when it is not the sidecar's. Returns the checksum."""
    if not os.path.lexists(path):
        raise BackupMismatch('the backup %s is missing although its sidecar exists' % path)
    actual, size = backup_digest(path, sidecar['format'], workers)
    if actual != sidecar['sha256']:
        raise BackupMismatch('the backup %s is damaged: its sha256 checksum is %s but its sidecar %s says %s (size %d bytes, '
                             'sidecar says %d)' % (path, actual, sidecar_path(path), sidecar['sha256'], size,
                                                   sidecar['size']), actual)
    return actual
