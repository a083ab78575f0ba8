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


def session_lock_sql():
    """Statement waiting for a session-level lock (held until unlocked or the session ends); parameters as above."""
    return 'SELECT pg_advisory_lock(%s, hashtext(%s))'


def try_session_lock_sql():
    """Statement taking a session-level lock only when free; returns ``locked``; parameters as above."""
    return 'SELECT pg_try_advisory_lock(%s, hashtext(%s)) AS locked'


def lock_holders_sql():
    """Sessions holding the lock of (LOCK_CLASS, purpose) in this database, from pg_locks and pg_stat_activity."""
    return (
        'SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr, a.client_port, a.usename, '
        'a.backend_start, a.xact_start, a.state, a.wait_event_type, a.wait_event '
        'FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid '
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
        'AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) '
        'AND l.classid = %s::bigint::oid AND l.objid = hashtext(%s)::oid ORDER BY a.pid'
    )
