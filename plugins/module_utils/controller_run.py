# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which ansible-playbook run opened a deploy, and whether that run is still alive.

A deploy's history row records its controller host, the pid of its ``ansible-playbook`` process
and a token of that process (the boot id and the process's start time, from ``/proc``), so that
a later run can tell a dead run (its pid gone, or reused by another process) from a live one.
Only a run on the same controller host can be checked; a row from another host is ``unknown``
unless its heartbeat is older than the lease the caller accepts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import platform

ALIVE = 'alive'
DEAD = 'dead'
UNKNOWN = 'unknown'


def controller_host():
    return platform.node() or 'unknown'


def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except (IOError, OSError):
        return None


def process_token(pid, proc='/proc'):
    """``<boot id>:<start time in clock ticks>`` of process ``pid``, or None where /proc cannot tell."""
    stat = _read(os.path.join(proc, str(pid), 'stat'))
    boot_id = _read(os.path.join(proc, 'sys', 'kernel', 'random', 'boot_id'))
    if not stat or not boot_id:
        return None
    try:
        # The command name, in parentheses, may itself hold spaces or parentheses; field 22 is starttime.
        start = stat.rsplit(')', 1)[1].split()[19]
    except IndexError:
        return None
    return '%s:%s' % (boot_id.strip(), start)


def this_run(pid):
    """The identity a deploy row records for the ansible-playbook process ``pid`` on this host."""
    return dict(controller=controller_host(), controller_pid=pid, controller_token=process_token(pid))


def _pid_exists(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_state(row, here=None, stale_after=0, proc='/proc'):
    """(state, reason) of the run that opened deploy ``row``: ALIVE, DEAD or UNKNOWN.

    ``here`` is this controller's host name. ``stale_after`` (seconds, 0 for never) declares a run
    dead whatever its host when the row's heartbeat (``heartbeat_age_s``) is older: a lease, for
    controllers that cannot see each other's processes.
    """
    here = here or controller_host()
    host, pid, token = row.get('controller'), row.get('controller_pid'), row.get('controller_token')
    age = row.get('heartbeat_age_s')
    if stale_after and age is not None and age > stale_after:
        return DEAD, 'its last heartbeat is %d s old, more than the %d s lease' % (age, stale_after)
    if not host or not pid:
        return UNKNOWN, 'the row does not record which controller run opened it'
    if host != here:
        return UNKNOWN, ('it runs on controller %s, not on this one (%s), so its ansible-playbook process (pid %s) '
                         'cannot be checked from here' % (host, here, pid))
    if not _pid_exists(pid):
        return DEAD, 'its ansible-playbook process (pid %s) on %s is gone' % (pid, host)
    found = process_token(pid, proc)
    if token and found and found != token:
        return DEAD, 'its ansible-playbook process (pid %s) on %s is gone; the pid now belongs to another process' % (
            pid, host)
    return ALIVE, 'its ansible-playbook process (pid %s) on %s is still running' % (pid, host)
