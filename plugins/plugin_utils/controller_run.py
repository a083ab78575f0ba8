# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which ansible-playbook run opened a deploy, and whether that run is still alive.

A host name is no identity: AWX runs every job, and every relaunch, in a new container, and two
containers may share a name. So whether the run of an open deploy is alive is decided from the
database, which every run shares:

- while a database session working for the deploy is open (its migration, its backup, a restore:
  ``sessions``, read from pg_stat_activity by the deployment module), the run may be alive, and
  nothing takes the deploy over;
- otherwise the run is alive while its heartbeat (the history row's ``heartbeat_at``, renewed by
  every step of the deploy) is younger than the lease (``stale_after``, DEFAULT_LEASE seconds
  unless set), and dead once it is older.

A fast path needs no waiting: the row records the run's ``ansible-playbook`` pid and a token of that
process (boot id, pid namespace, start time, from ``/proc``). When the token's boot id and pid
namespace are this controller's, this controller sees that process, whatever its host name: the run
is alive while the process runs, dead once it is gone (or its pid belongs to another process), as
soon as its last database session has ended.

``run_state`` answers ALIVE (refuse at once), DEAD (take over) or UNKNOWN (ask again: the lease or
the end of a session will decide).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import multiprocessing
import os
import platform

from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DEFAULT_LEASE

ALIVE = 'alive'
DEAD = 'dead'
UNKNOWN = 'unknown'

# The lease (deploy_history.DEFAULT_LEASE) lives with the module side, whose deployment module defaults to it.


def controller_host():
    """This controller's host name: shown in messages, never used to decide."""
    return platform.node() or 'unknown'


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def pid_namespace(pid='self', proc='/proc'):
    """The inode number of the pid namespace of process ``pid``, or None where /proc cannot tell."""
    try:
        link = os.readlink(os.path.join(proc, str(pid), 'ns', 'pid'))
    except OSError:
        return None
    return link.rsplit('[', 1)[-1].rstrip(']') or None


def boot_id(proc='/proc'):
    found = _read(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id'))
    return found.strip() if found else None


def process_token(pid, proc='/proc'):
    """``<boot id>:<pid namespace>:<start time in clock ticks>`` of process ``pid``, or None where /proc
    cannot tell."""
    stat = _read(os.path.join(proc, str(pid), 'stat'))
    boot, namespace = boot_id(proc), pid_namespace(pid, proc)
    if not stat or not boot or not namespace:
        return None
    try:
        # The command name, in parentheses, may itself hold spaces or parentheses; field 22 is starttime.
        start = stat.rsplit(')', 1)[1].split()[19]
    except IndexError:
        return None
    return '%s:%s:%s' % (boot, namespace, start)


def this_run(pid):
    """The identity a deploy row records for the ansible-playbook process ``pid`` on this controller."""
    return dict(controller=controller_host(), controller_pid=pid, controller_token=process_token(pid))


def playbook_pid():
    """The pid of ansible-playbook: action plugins run in worker processes forked from it."""
    parent = multiprocessing.parent_process()
    return parent.pid if parent is not None else os.getpid()


def with_this_run(args):
    """``args`` (a deploy row's options) with this run's identity added, unless they name a run already (one recorded
    by hand)."""
    if args.get('controller'):
        return dict(args)
    return dict(args, **this_run(playbook_pid()))


def _pid_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _visible(token, proc):
    """Whether the process of ``token`` lives in this controller's kernel boot and pid namespace, where its pid
    means the same process. A token of an earlier release (boot id and start time only) never is."""
    parts = (token or '').split(':')
    return len(parts) == 3 and [parts[0], parts[1]] == [boot_id(proc), pid_namespace('self', proc)]


def describe_sessions(sessions):
    return ', '.join('pid %s (%s, %s for %s s)' % (s.get('pid'), s.get('application_name'), s.get('state') or '?',
                                                   s.get('age_s')) for s in sessions)


def run_state(row, stale_after=None, proc='/proc'):
    """(state, reason) of the run that opened deploy ``row``: ALIVE, DEAD or UNKNOWN.

    ``row`` holds the run's ``controller``, ``controller_pid`` and ``controller_token``, the age of its
    heartbeat in seconds (``heartbeat_age_s``) and the database ``sessions`` working for it (dicts with
    ``pid``, ``application_name``, ``state``, ``age_s``). ``stale_after`` is the lease in seconds (None,
    0 or less: DEFAULT_LEASE).
    """
    lease = int(stale_after or 0)
    lease = lease if lease > 0 else DEFAULT_LEASE
    host, pid, token = row.get('controller') or 'an unknown controller', row.get('controller_pid'), row.get('controller_token')
    sessions = row.get('sessions') or []
    age = row.get('heartbeat_age_s')
    process = 'ansible-playbook process (pid %s) on %s' % (pid, host)
    if pid and _visible(token, proc):
        if _pid_exists(pid) and process_token(pid, proc) == token:
            return ALIVE, 'its %s is still running' % process
        gone = 'its %s is gone%s' % (process, '' if not _pid_exists(pid) else '; the pid now belongs to another process')
        if sessions:
            return UNKNOWN, ('%s, but its database session %s is still open (the server ends it once it notices the '
                             'client is gone)' % (gone, describe_sessions(sessions)))
        return DEAD, gone
    if sessions:
        return UNKNOWN, 'a database session working for it is open: %s' % describe_sessions(sessions)
    if age is None or age <= lease:
        return UNKNOWN, ('its last heartbeat is %s s old, within the %d s lease: its run (%s) may be between two '
                         'steps' % ('?' if age is None else age, lease, process))
    return DEAD, ('no database session of it is open and its last heartbeat is %d s old, more than the %d s lease '
                  '(its run was %s)' % (age, lease, process))


def judge_open_deploys(rows, stale_after=None, proc='/proc'):
    """Add to each open deploy row (with its ``sessions``) the ``run_state`` and ``run_reason`` of its run, judged
    here on the controller; returns the rows."""
    for row in rows or ():
        row['run_state'], row['run_reason'] = run_state(row, stale_after, proc)
    return rows
