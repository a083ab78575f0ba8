# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether the run of an open deploy is alive: a table of cases over a /proc of the test's making
(boot id, pid namespaces, start times) and real pids (this process, and a process that has ended)."""

import os
import subprocess

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.controller_run import (
    ALIVE,
    DEAD,
    DEFAULT_LEASE,
    UNKNOWN,
    judge_open_deploys,
    process_token,
    run_state,
    this_run,
    with_this_run,
)

BOOT = '5b7c1e0a-8f0e-4a57-9d4e-0c6f3f1f2a11'
HERE_NS = '4026531836'
OTHER_NS = '4026532999'
START = '98765'
MIGRATION = dict(pid=4711, application_name='blogops.release/migrate/comments@job-101', state='active', age_s=3600)


def fake_proc(tmp_path, running):
    """A /proc where this controller runs in pid namespace HERE_NS of boot BOOT, and ``running`` (a pid) started at
    START in the same namespace."""
    proc = tmp_path / 'proc'
    (proc / 'sys' / 'kernel' / 'random').mkdir(parents=True)
    (proc / 'sys' / 'kernel' / 'random' / 'boot_id').write_text(BOOT + '\n')
    for pid in ('self', str(running)):
        (proc / pid / 'ns').mkdir(parents=True)
        os.symlink('pid:[%s]' % HERE_NS, str(proc / pid / 'ns' / 'pid'))
    (proc / str(running) / 'stat').write_text('%d (ansible-playbook (x)) S 1 ' % running + ' '.join(
        ['0'] * 17 + [START, '0']) + '\n')
    return str(proc)


def ended_pid():
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid


RUNNING, ENDED, OTHER_PROCESS = 'running', 'ended', 'other process'
SAME = '%s:%s:%s' % (BOOT, HERE_NS, START)

# (case, token of the row, its process, heartbeat age, sessions, lease, expected state, words of the reason)
CASES = [
    ('same boot and pid namespace, process running', SAME, RUNNING, 5, [], None, ALIVE, 'still running'),
    ('same namespace, running, migrating', SAME, RUNNING, 4000, [MIGRATION], None, ALIVE, 'still running'),
    ('same namespace, process gone: dead at once', SAME, ENDED, 2, [], None, DEAD, 'is gone'),
    ('same namespace, pid reused by another process', '%s:%s:1' % (BOOT, HERE_NS), OTHER_PROCESS, 2, [], None, DEAD,
     'belongs to another process'),
    ('same namespace, process gone, its session still open', SAME, ENDED, 2, [MIGRATION], None, UNKNOWN,
     'still open'),
    ('another container, between two steps', '%s:%s:%s' % (BOOT, OTHER_NS, START), RUNNING, 10, [], None, UNKNOWN,
     'within the 300 s lease'),
    ('another container, a long migration in progress', '%s:%s:%s' % (BOOT, OTHER_NS, START), ENDED, 7200, [MIGRATION],
     None, UNKNOWN, 'migrate/comments'),
    ('another container, silent for longer than the lease', '%s:%s:%s' % (BOOT, OTHER_NS, START), ENDED,
     DEFAULT_LEASE + 1, [], None, DEAD, 'more than the 300 s lease'),
    ('another container, silent for just the lease', '%s:%s:%s' % (BOOT, OTHER_NS, START), ENDED, DEFAULT_LEASE, [],
     None, UNKNOWN, 'lease'),
    ('another boot, same namespace number', 'other-boot:%s:%s' % (HERE_NS, START), RUNNING, 10, [], None, UNKNOWN,
     'lease'),
    ('a token of an earlier release (no namespace)', '%s:%s' % (BOOT, START), ENDED, 10, [], None, UNKNOWN, 'lease'),
    ('a lease of the operator', '%s:%s:%s' % (BOOT, OTHER_NS, START), ENDED, 61, [], 60, DEAD, 'the 60 s lease'),
    ('a lease of 0 means the default', '%s:%s:%s' % (BOOT, OTHER_NS, START), ENDED, 61, [], 0, UNKNOWN, '300 s'),
    ('a row without owner, silent', None, None, DEFAULT_LEASE + 1, [], None, DEAD, 'lease'),
    ('a row without owner, recent', None, None, 3, [], None, UNKNOWN, 'lease'),
]


@pytest.mark.parametrize('case,token,process,age,sessions,lease,expected,words', CASES, ids=[c[0] for c in CASES])
def test_liveness(tmp_path, case, token, process, age, sessions, lease, expected, words):
    pid = {RUNNING: os.getpid(), OTHER_PROCESS: os.getpid(), ENDED: ended_pid(), None: None}[process]
    proc = fake_proc(tmp_path, os.getpid())
    row = dict(controller='job-101', controller_pid=pid, controller_token=token, heartbeat_age_s=age,
               sessions=sessions)
    state, reason = run_state(row, lease, proc=proc)
    assert (state, words in reason) == (expected, True), (case, reason)


def test_the_host_name_decides_nothing(tmp_path):
    proc = fake_proc(tmp_path, os.getpid())
    gone = ended_pid()
    for host in ('job-101', 'job-102', None):
        row = dict(controller=host, controller_pid=gone, controller_token=SAME, heartbeat_age_s=1, sessions=[])
        assert run_state(row, proc=proc)[0] == DEAD
        row = dict(row, controller_pid=os.getpid())
        assert run_state(row, proc=proc)[0] == ALIVE


def test_this_run_on_the_real_proc():
    me = this_run(os.getpid())
    assert me['controller_token'] == process_token(os.getpid()) and len(me['controller_token'].split(':')) == 3
    assert run_state(dict(me, heartbeat_age_s=0, sessions=[]))[0] == ALIVE
    assert run_state(dict(me, controller_pid=ended_pid(), heartbeat_age_s=0, sessions=[]))[0] == DEAD


@pytest.mark.parametrize('args, recorded_by_hand', [
    (dict(module_name='comments', to_version='1.4.0'), False),
    (dict(module_name='comments', controller=''), False),
    (dict(module_name='comments', controller='ctl9', controller_pid=12, controller_token='b:n:3'), True),
])
def test_a_run_is_recorded_as_this_playbook_unless_named(args, recorded_by_hand):
    found = with_this_run(args)
    if recorded_by_hand:
        assert found == args
    else:
        # pytest is no worker process: the run is this process.
        assert found == dict(args, **this_run(os.getpid()))
    assert 'controller_pid' not in args or recorded_by_hand


def test_every_open_deploy_is_judged_with_the_lease(tmp_path):
    proc = fake_proc(tmp_path, os.getpid())
    rows = [dict(id=7, controller_pid=None, heartbeat_age_s=61, sessions=[]),
            dict(id=8, controller_pid=None, heartbeat_age_s=61, sessions=[MIGRATION])]
    assert judge_open_deploys(rows, 60, proc=proc) is rows
    assert [(row['id'], row['run_state']) for row in rows] == [(7, DEAD), (8, UNKNOWN)]
    assert 'the 60 s lease' in rows[0]['run_reason'] and 'migrate/comments' in rows[1]['run_reason']
    assert judge_open_deploys(None) is None
