# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of the fault suite (test_faults_*.py): playbooks started in the background, real locks to
hold a run at a chosen point, and the before/after comparisons that say nothing was lost."""

import os
import time

from harness.playbook import start_playbook

from deploy_env import PLAYBOOKS

GATE_KEY = 727272
# A migration that waits, inside the deploy's migration transaction, for the advisory lock the test holds.
GATED_MIGRATION = {'migrations/V1.3__wait_for_the_gate.sql': 'SELECT pg_advisory_xact_lock(%d);\n' % GATE_KEY,
                   'migrations/U1.3__wait_for_the_gate.sql': 'SELECT 1;\n'}


def wait_for(what, predicate, timeout=120, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError('timed out after %d s waiting for %s' % (timeout, what))


def start(blog, name, env=None, **extra):
    """Start playbook ``name`` of the collection on ``blog`` in the background (a RunningPlaybook)."""
    variables = dict(blog.db.playbook_vars, blog_source_root=blog.source, blog_release_root=blog.release_root,
                     blog_backup_dir=blog.backup_dir)
    variables.update(extra)
    workdir = blog.ansible.workdir
    environment = dict(ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'ansible-local'),
                       ANSIBLE_REMOTE_TMP=os.path.join(workdir, 'ansible-remote'))
    environment.update(env or {})
    return start_playbook(os.path.join(PLAYBOOKS, name + '.yml'), workdir, inventory=blog.inventory,
                          extra_vars=variables, env=environment)


def sessions(blog, application_like, waiting=None, query_like='%'):
    """Sessions of the test database whose application_name is LIKE ``application_like``; with ``waiting``,
    only those waiting for a lock of that kind ('relation', 'advisory', ...)."""
    sql = ("SELECT pid, application_name, wait_event_type, wait_event, query FROM pg_stat_activity "
           "WHERE datname = current_database() AND application_name LIKE %s AND query LIKE %s")
    params = [application_like, query_like]
    if waiting:
        sql += " AND wait_event_type = 'Lock' AND wait_event = %s"
        params.append(waiting)
    return blog.db.query(sql, params)


def kill(running):
    running.kill()
    running.proc.wait()


def operator_message(run):
    """The message the operator sees: the failure message of the deploy (or rollback), else the last one."""
    failed = [r['result'].get('msg', '') for r in run.failed_results()]
    named = [m for m in failed if ' failed at ' in m or m.startswith(('deploy of', 'rollback of', 'recovery of'))]
    return (named or failed or [''])[-1]


def debug_messages(run, task):
    return [r['result'].get('msg', '') for r in run.results_of(task)]


def history(blog, module='comments'):
    return blog.db.query('SELECT * FROM module_version_history WHERE module_name = %s ORDER BY id', (module,))


def check_nothing_lost(case, before, after, schema_rows='equal', links=True, history_added=None):
    """Compare two Blog.state() snapshots: data row for row, schema objects, module_version, schema
    versions, the history before (unchanged, rows may be appended), releases, links and backups."""
    case.equal('every row of every data table', after['rows'], before['rows'])
    for key in ('columns', 'indexes', 'constraints'):
        case.equal('schema objects (%s)' % key, after[key], before[key])
    case.equal('module_version rows', after['tracking']['module_version'], before['tracking']['module_version'])
    case.equal('schema versions of every blog module', after['schema_versions'], before['schema_versions'])
    if schema_rows == 'equal':
        case.equal('schema_version rows', after['tracking']['schema_version'], before['tracking']['schema_version'])
    else:
        old = before['tracking']['schema_version']
        case.equal('schema_version rows before the fault', after['tracking']['schema_version'][:len(old)], old)
    old = before['tracking']['history']
    case.equal('history rows before the fault', after['tracking']['history'][:len(old)], old)
    if history_added is not None:
        case.equal('history rows added', len(after['tracking']['history']) - len(old), history_added)
    for root, files in before['release_files'].items():
        now = after['release_files'][root]
        if links:
            case.equal('current and previous on %s' % root, now['links'], files['links'])
        case.equal('releases and their files on %s' % root, now['releases'], files['releases'])
    check_backups(case, before['backups'], after['backups'])


def check_backups(case, before, after):
    """Every complete backup of before is still there, unchanged; all private; no leftover."""
    for name, backup in before['complete'].items():
        case.equal('backup %s unchanged' % name, after['complete'].get(name), backup)
    case.check('backups and sidecars are 0600, their directory 0700',
               all(b['mode'] == 0o600 and b['sidecar_mode'] == 0o600 for b in after['complete'].values())
               and after['directory_mode'] in (0o700, None), after)
    case.equal('no unfinished backup left', after['leftovers'], [])


def check_releases_private(case, state):
    case.check('no release file writable by others',
               not any(r['world_writable'] for files in state['release_files'].values()
                       for r in files['releases'].values()), state['release_files'])


def check_no_secret(case, blog, password, runs=()):
    """The password appears in no output, result, stats, history row, schema row or sidecar."""
    texts = [run.output for run in runs] + [repr(run.results) for run in runs]
    rows = blog.db.query("SELECT string_agg(t::text, ' ') AS t FROM module_version_history t") + blog.db.query(
        "SELECT string_agg(t::text, ' ') AS t FROM schema_version t")
    texts += [r['t'] or '' for r in rows]
    for directory, _dirs, names in os.walk(blog.backup_dir):
        for name in names:
            if name.endswith('.json'):
                with open(os.path.join(directory, name)) as f:
                    texts.append(f.read())
    case.check('the password is in no output, result, history row or sidecar', not any(password in t for t in texts))
