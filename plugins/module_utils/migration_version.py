# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schema (migration) versions: dotted numbers compared numerically, 1 < 1.1 < 1.10 < 2."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_DOTTED = re.compile(r'^\d+(?:\.\d+)*$', re.ASCII)


class InvalidMigrationVersion(ValueError):
    """A schema version that is not a dotted number."""


def migration_version_key(text):
    """Sort key of a schema version; trailing zeros do not count, so 1, 1.0 and 1.00 are equal."""
    if not isinstance(text, str) or not _DOTTED.fullmatch(text):
        raise InvalidMigrationVersion('invalid schema version %r: expected dotted numbers such as 1, 1.1 '
                                      'or 2024.06.01' % (text,))
    parts = [int(p) for p in text.split('.')]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def check_migration_version(text):
    migration_version_key(text)
    return text


def highest_migration_version(versions):
    """The highest of ``versions`` (an iterable of texts), or None when there is none."""
    best = None
    for version in versions:
        if best is None or migration_version_key(version) > migration_version_key(best):
            best = version
    return best
