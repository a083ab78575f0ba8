# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schema (migration) versions: dotted numbers compared numerically, 1 < 1.1 < 1.10 < 2."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# ASCII digits only: Python's \d and int() also take other scripts' digits ('١').
_DOTTED = re.compile(r'^[0-9]+(?:\.[0-9]+)*$', re.ASCII)
# Room for date-like versions (2024.06.01.1200); far below what int() refuses (4300 digits).
MAX_MIGRATION_VERSION_LENGTH = 64
# How much of a refused value a message quotes.
QUOTED = 32


class InvalidMigrationVersion(ValueError):
    """A schema version that is not a dotted number."""


def _refuse(text, where, why):
    prefix = '%s: ' % where if where else ''
    raise InvalidMigrationVersion('%sinvalid schema version %s: %s dotted numbers such as 1, 1.1 or 2024.06.01'
                                  % (prefix, quote(text), why))


def quote(text):
    """``repr`` of at most the start of ``text``, with its length when cut."""
    if isinstance(text, str) and len(text) > QUOTED:
        return "%s...' (%d characters)" % (repr(text[:QUOTED])[:-1], len(text))
    return repr(text)


def migration_version_key(text, where=None):
    """Sort key of a schema version; trailing zeros do not count, so 1, 1.0 and 1.00 are equal.

    ``where`` (a file or option name) starts the message of InvalidMigrationVersion."""
    if isinstance(text, str) and len(text) > MAX_MIGRATION_VERSION_LENGTH:
        _refuse(text, where, 'at most %d characters of' % MAX_MIGRATION_VERSION_LENGTH)
    if not isinstance(text, str) or not _DOTTED.fullmatch(text):
        _refuse(text, where, 'expected')
    parts = [int(p) for p in text.split('.')]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def check_migration_version(text, where=None):
    migration_version_key(text, where)
    return text


def highest_migration_version(versions):
    """The highest of ``versions`` (an iterable of texts), or None when there is none."""
    best = None
    for version in versions:
        if best is None or migration_version_key(version) > migration_version_key(best):
            best = version
    return best
