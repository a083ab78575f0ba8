# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Names that reach SQL, paths or the tracking tables: validated before anything is touched."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

BLOG_MODULE_NAME = re.compile(r'^[a-z][a-z0-9_]{0,62}$', re.ASCII)
SQL_SCHEMA_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_$]{0,62}$', re.ASCII)


class InvalidName(ValueError):
    """A blog module or schema name that does not have the required form."""


def check_blog_module_name(name, what='blog module name'):
    """Return ``name`` when it is a valid blog module name, else raise InvalidName naming it."""
    if not isinstance(name, str) or not BLOG_MODULE_NAME.fullmatch(name):
        raise InvalidName('invalid %s %r: it must match ^[a-z][a-z0-9_]{0,62}$ (lower-case letter first, then '
                          'lower-case letters, digits or underscores, at most 63 characters)' % (what, name))
    return name


def check_schema_name(name):
    """Return ``name`` when it is a plain PostgreSQL schema name, else raise InvalidName."""
    if not isinstance(name, str) or not SQL_SCHEMA_NAME.fullmatch(name):
        raise InvalidName('invalid release_tracking_schema %r: expected a plain PostgreSQL identifier '
                          '(letters, digits, underscores; at most 63 characters)' % (name,))
    return name


def quote_ident(name):
    """Quote an SQL identifier the way PostgreSQL's quote_ident() does, always."""
    return '"%s"' % name.replace('"', '""')
