# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault suite: deploys killed for real (SIGKILL of ansible-playbook and every process under it) at the
backup, the migration and between the switch and the record, and the PostgreSQL server stopped
(immediate) during a migration. Each run is held at the chosen point by a real lock the test holds.
Afterwards nothing is lost, and the next run finds the unfinished deploy, finishes it or rolls it
back, and says which."""

import os
import shutil
import time

from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import ABANDONED_AFTER
from faults_env import (
    GATE_KEY,
    GATED_MIGRATION,
    check_nothing_lost,
    check_releases_private,
    debug_messages,
    history,
    kill,
    operator_message,
    sessions,
    start,
    wait_for,
)

RECOVERY_SAID = 'Say what the recovery did'


def hold(pg_server, blog, statement):
    """A session of the test, in a transaction that took a lock with ``statement``, until rollback()."""
    conn = pg_server.connect(blog.db.name, autocommit=False)
    conn.cursor().execute(statement)
    return conn


def release(conn):
    try:
        conn.rollback()
        conn.close()
    except Exception:  # pylint: disable=broad-except
        pass  # the server went away with it


def recorded_version(state, module):
    return [r['version'] for r in state['tracking']['module_version'] if r['module_name'] == module][0]


def recovery_message(run):
    said = debug_messages(run, RECOVERY_SAID)
    assert said, run
    return said[-1]


def test_kill_during_the_backup(deployed, pg_server, fault_case):
    case = fault_case.case('kill during backup', 'SIGKILL of ansible-playbook while pg_dump waits for a table lock')
    deployed.overlay('comments-1.1.0')
    before = deployed.state()
    gate = hold(pg_server, deployed, 'LOCK TABLE posts IN ACCESS EXCLUSIVE MODE')
    run = None
    try:
        run = start(deployed, 'deploy', blog_module='comments', blog_version='1.1.0')
        wait_for('pg_dump to wait for the lock on posts',
                 lambda: sessions(deployed, 'blogops.release/db_backup%', 'relation', '%LOCK TABLE%posts%'), timeout=300)
        kill(run)
    finally:
        release(gate)
        if run is not None and run.proc.poll() is None:
            kill(run)
    [dead] = [h for h in history(deployed) if h['status'] == 'deploying']
    case.check('the dead run left its row open at the backup, owned by its pid',
               dead['message'] == 'step: backup' and dead['controller_pid'] == run.proc.pid, dead)
    killed = deployed.state()
    check_nothing_lost(case, before, dict(killed, backups=dict(killed['backups'], leftovers=[])), history_added=1)
    case.check('the killed pg_dump left an unfinished backup', killed['backups']['leftovers'], killed['backups'])

    # db_backup leaves a partial alone until nothing has written to it for ABANDONED_AFTER seconds (a run may
    # still be writing it); a deploy started right after the kill could reach its backup sooner than that.
    newest = max(os.lstat(os.path.join(deployed.backup_dir, name)).st_mtime for name in killed['backups']['leftovers'])
    time.sleep(max(0.0, newest + ABANDONED_AFTER + 1 - time.time()))
    again = deployed.deploy('comments', '1.1.0')
    case.check('the next deploy succeeds', again.ok, again)
    case.equal('the recover role took the dead deploy from preflight\'s read, with no look-up of its own',
               again.result('Look for an unfinished deploy of the blog module')['_status'], 'skipped')
    said = recovery_message(again)
    case.check('it says it closed the unfinished deploy, which had changed nothing',
               said.startswith('closed the unfinished deploy %d of comments 1.0.0 -> 1.1.0' % dead['id'])
               and 'pid %d' % run.proc.pid in said and 'before changing files or schema' in said, said)
    rows = history(deployed)
    closed = [h for h in rows if h['id'] == dead['id']][0]
    case.check('the dead row is closed as rolled back, saying so', closed['status'] == 'rolled_back'
               and closed['message'] == said, closed)
    case.equal('then the deploy went through', [(h['to_version'], h['status']) for h in rows[-2:]],
               [('1.1.0', 'rolled_back'), ('1.1.0', 'deployed')])
    after = deployed.state()
    case.equal('comments is at 1.1.0 with its schema',
               (recorded_version(after, 'comments'), after['schema_versions']['comments']), ('1.1.0', ['1', '1.1', '1.2']))
    case.equal('posts untouched', after['rows']['posts'], before['rows']['posts'])
    case.equal('the unfinished backup was removed by the next backup', after['backups']['leftovers'], [])
    for name, backup in before['backups']['complete'].items():
        case.equal('older backup %s unchanged' % name, after['backups']['complete'].get(name), backup)
    check_releases_private(case, after)
    case.outcome('next deploy closed the dead row (rolled_back, nothing to undo), removed the unfinished backup, '
                 'then deployed 1.1.0')


def test_kill_during_the_migration_then_the_rollback_playbook(deployed, pg_server, fault_case):
    case = fault_case.case('kill during migration', 'SIGKILL while the migration transaction waits for a lock')
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', GATED_MIGRATION)
    before = deployed.state()
    gate = hold(pg_server, deployed, 'SELECT pg_advisory_lock(%d)' % GATE_KEY)
    run = None
    try:
        run = start(deployed, 'deploy', blog_module='comments', blog_version='1.1.0')
        migration = wait_for('the migration to wait for the gate',
                             lambda: sessions(deployed, 'blogops.release/migrate/comments@%', 'advisory', '%727272%'),
                             timeout=300)
        kill(run)
        # The server notices the dead client within client_connection_check_interval and rolls back.
        wait_for('the migration session to end',
                 lambda: not deployed.db.query('SELECT 1 FROM pg_stat_activity WHERE pid = %s', (migration[0]['pid'],)),
                 timeout=60)
    finally:
        release(gate)
        if run is not None and run.proc.poll() is None:
            kill(run)
    killed = deployed.state()
    case.equal('the killed migration applied nothing', killed['schema_versions'], before['schema_versions'])
    case.equal('no column was added', killed['columns'], before['columns'])
    case.check('the uploaded release is there, unswitched',
               len(killed['release_files'][deployed.release_root]['releases']) == 2
               and killed['release_files'][deployed.release_root]['links'] == before['release_files'][
                   deployed.release_root]['links'], killed['release_files'])

    back = deployed.playbook('rollback', blog_module='comments')
    case.check('the rollback playbook succeeds', back.ok, back)
    said = recovery_message(back)
    case.check('it says it rolled the unfinished deploy back, and why',
               said.startswith('rolled back the unfinished deploy') and 'died at step migrate' in said
               and 'pid %d' % run.proc.pid in said and 'is gone' in said, said)
    case.check('and stopped there: no other deploy was undone',
               not back.results_of('Read the recorded version and the history of the blog module'), back)
    after = deployed.state()
    check_nothing_lost(case, before, after, history_added=1)
    closed = history(deployed)[-1]
    case.equal('the dead row is closed as rolled back with that message', (closed['status'], closed['message']),
               ('rolled_back', said))
    case.outcome('rollback playbook rolled the dead deploy back (release removed, nothing to undo in the database)')


def test_kill_between_the_switch_and_the_record_on_three_hosts(deployed, ssh_lab, pg_server, fault_case):
    case = fault_case.case('kill between switch and record', 'SIGKILL with 3 SSH hosts switched, module_version '
                                                             'not yet recorded')
    roots = [os.path.join(host.srv, 'blog') for host in ssh_lab.hosts]
    for root in roots:
        shutil.copytree(deployed.release_root, root, symlinks=True)
    deployed.inventory, deployed.release_root = ssh_lab.inventory_path, '/srv/blog'
    deployed.overlay('comments-1.1.0')
    before = deployed.state(roots=roots)
    gate = hold(pg_server, deployed, 'LOCK TABLE module_version IN SHARE MODE')
    run = None
    try:
        run = start(deployed, 'deploy', blog_module='comments', blog_version='1.1.0')
        wait_for('the record to wait for module_version',
                 lambda: sessions(deployed, 'blogops.release/module_version/comments@%', 'relation'), timeout=240)
        kill(run)
    finally:
        release(gate)
        if run is not None and run.proc.poll() is None:
            kill(run)
    killed = deployed.state(roots=roots)
    new = [r for r in killed['release_files'][roots[0]]['releases'] if r.startswith('1.1.0-')]
    case.check('every host was switched to the new release',
               new and all(killed['release_files'][root]['links']['current'] == 'releases/' + new[0] for root in roots),
               killed['release_files'])
    case.equal('module_version was not recorded', killed['tracking']['module_version'],
               before['tracking']['module_version'])
    case.equal('the schema was migrated', killed['schema_versions']['comments'], ['1', '1.1', '1.2'])

    back = deployed.playbook('rollback', blog_module='comments')
    case.check('the rollback playbook succeeds', back.ok, back)
    said = recovery_message(back)
    case.check('it says it rolled back, at which step and how far the run got',
               said.startswith('rolled back the unfinished deploy') and 'died at step record, with 3 of 3 host(s) '
               'switched to %s' % new[0] in said, said)
    after = deployed.state(roots=roots)
    check_nothing_lost(case, before, after, schema_rows='replayed', history_added=1)
    undo = [r['kind'] for r in after['tracking']['schema_version'][len(before['tracking']['schema_version']):]]
    # schema_version is append-only: the dead run's two migrations, then the recovery's two undo scripts.
    case.equal('the schema came back through the undo scripts of the source', undo, ['migrate', 'migrate', 'undo', 'undo'])
    check_releases_private(case, after)
    case.outcome('rollback playbook put current and previous back on 3 hosts, removed the release, ran the undo '
                 'scripts; row rolled_back')


def test_postgres_stopped_during_the_migration(deployed, pg_server, fault_case):
    case = fault_case.case('PostgreSQL stopped during migration', 'pg_ctl stop -m immediate while the migration '
                                                                  'transaction waits, then started again')
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', GATED_MIGRATION)
    # The database was just copied from a template (CREATE DATABASE ... TEMPLATE, WAL_LOG strategy): until the next
    # checkpoint its sequences may hand out, after a crash, values they had handed out before it (their copied pages
    # claim values as already WAL-logged). A database in service has seen checkpoints; so does this one.
    pg_server.query('postgres', 'CHECKPOINT')
    before = deployed.state()
    gate = hold(pg_server, deployed, 'SELECT pg_advisory_lock(%d)' % GATE_KEY)
    run = None
    try:
        run = start(deployed, 'deploy', blog_module='comments', blog_version='1.1.0')
        wait_for('the migration to wait for the gate',
                 lambda: sessions(deployed, 'blogops.release/migrate/comments@%', 'advisory', '%727272%'), timeout=300)
        pg_server.stop_server('immediate')
        failed = run.wait(300)
    finally:
        if not pg_server._started:  # pylint: disable=protected-access
            pg_server.start()
        release(gate)
        if run is not None and run.proc.poll() is None:
            kill(run)
    message = operator_message(failed)
    case.check('the deploy failed at the migration, saying the rollback could not reach the database',
               not failed.ok and 'failed at migrate' in message and 'THE ROLLBACK FAILED TOO' in message, message)
    restarted = deployed.state()
    case.equal('after the restart: every data row as before', restarted['rows'], before['rows'])
    case.equal('after the restart: schema versions as before', restarted['schema_versions'], before['schema_versions'])
    case.equal('after the restart: module_version as before', restarted['tracking']['module_version'],
               before['tracking']['module_version'])
    [open_row] = [h for h in history(deployed) if h['status'] == 'deploying']

    again = deployed.deploy('comments', '1.1.0')
    case.check('the next deploy recovers and succeeds', again.ok, again)
    said = recovery_message(again)
    case.check('it says it rolled back the unfinished deploy',
               said.startswith('rolled back the unfinished deploy %d' % open_row['id']), said)
    after = deployed.state()
    case.equal('then comments 1.1.0 is live and recorded',
               (recorded_version(after, 'comments'), after['schema_versions']['comments'],
                after['release_files'][deployed.release_root]['links']['current'].startswith('releases/1.1.0-')),
               ('1.1.0', ['1', '1.1', '1.2', '1.3'], True))
    case.equal('posts untouched', after['rows']['posts'], before['rows']['posts'])
    case.equal('the history says both', [h['status'] for h in history(deployed)[-2:]], ['rolled_back', 'deployed'])
    case.outcome('deploy failed at migrate; server restarted consistent (transaction gone); next deploy rolled the '
                 'dead row back and deployed')
