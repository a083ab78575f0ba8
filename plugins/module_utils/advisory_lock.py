# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Advisory lock keys of the collection: one lock class, one object per purpose."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# pg_locks shows our locks with classid = this number ('blog' in ASCII), objid = hashtext(purpose).
LOCK_CLASS = 0x626C6F67


def lock_purpose(*parts):
    """The text whose hashtext() is the lock's object id, e.g. ``tracking:public``."""
    return ':'.join(parts)


def xact_lock_sql():
    """Statement taking a transaction-level lock; parameters: (LOCK_CLASS, purpose)."""
    return 'SELECT pg_advisory_xact_lock(%s, hashtext(%s))'
