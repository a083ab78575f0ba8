# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cancel and Relaunch in AWX: the deploy playbook run as AWX jobs (ansible-runner, the credential as
!unsafe extra vars), each job with a host name of its own (unshare --uts), as a relaunched job runs in a
new container. A job killed mid-migration is recovered by its relaunch without any extra setting; a job
still migrating is never taken over by a relaunch, and finishes normally; a job killed in a pid namespace
of its own, whose processes the relaunch cannot see, is judged by its sessions and heartbeat."""

import os

from harness.awx_job import AwxJob
from harness.playbook import LOCAL_INVENTORY

from deploy_env import PLAYBOOKS
from faults_env import history, sessions, wait_for

PAUSE_KEY = 727273
# The lease of the job in a container of its own: longer than the relaunch takes to look (it then waits), short
# enough for the suite.
LEASE = 60
# A migration that sleeps (pg_sleep, in the deploy's migration transaction) until the test lets it go.
PAUSED_MIGRATION = {
    'migrations/V1.3__pause.sql': 'DO $$ BEGIN WHILE NOT pg_try_advisory_xact_lock(%d) LOOP PERFORM pg_sleep(0.2); '
                                  'END LOOP; END $$;\n' % PAUSE_KEY,
    'migrations/U1.3__pause.sql': 'SELECT 1;\n',
}


def deploy_job(blog, tmp_path, **extra):
    """The deploy job template of comments 1.1.0, as AWX launches it."""
    extra_vars = dict(blog.db.playbook_vars, blog_module='comments', blog_version='1.1.0',
                      blog_source_root=blog.source, blog_release_root=blog.release_root,
                      blog_backup_dir=blog.backup_dir, awx_user_name='alice', **extra)
    return AwxJob(tmp_path / 'awx-deploy', os.path.join(PLAYBOOKS, 'deploy.yml'), extra_vars=extra_vars,
                  inventory=LOCAL_INVENTORY)


def paused(pg_server, blog):
    """A session of the test holding the lock the migration waits for, until closed."""
    conn = pg_server.connect(blog.db.name, autocommit=True)
    conn.cursor().execute('SELECT pg_advisory_lock(%d)' % PAUSE_KEY)
    return conn


def migrating(blog):
    return sessions(blog, 'blogops.release/migrate/comments@%', query_like='%pg_sleep%')


def prepare(blog):
    blog.overlay('comments-1.1.0')
    blog.write('comments', PAUSED_MIGRATION)


def check_rows(case, before, after):
    """Every data row as before: comments 1.1.0 adds a column to comments (author, default 'anonymous')."""
    case.equal('every row of the other tables', dict((k, v) for k, v in after['rows'].items() if k != 'comments'),
               dict((k, v) for k, v in before['rows'].items() if k != 'comments'))
    comments = [dict((k, v) for k, v in row.items() if k != 'author') for row in after['rows']['comments']]
    case.equal('every comment, with the new column', comments, before['rows']['comments'])


def recorded(state, module='comments'):
    return [(r['version'], r['schema_version']) for r in state['tracking']['module_version'] if r['module_name'] == module]


def test_a_relaunch_in_another_container_recovers_the_killed_deploy(deployed, pg_server, tmp_path, fault_case):
    case = fault_case.case('AWX cancel, then relaunch', 'AWX job (ansible-runner, hostname job-101) SIGKILLed during '
                                                        'a pg_sleep migration, relaunched as job-102')
    prepare(deployed)
    before = deployed.state()
    job = deploy_job(deployed, tmp_path)
    gate = paused(pg_server, deployed)
    first = None
    try:
        first = job.start(hostname='job-101')
        wait_for('the migration of job-101 to sleep', lambda: migrating(deployed), timeout=300)
        first.kill()
        killed = first.wait()
        wait_for('the killed migration session to end', lambda: not migrating(deployed), timeout=60)
    finally:
        gate.close()
        if first is not None and first.proc.poll() is None:
            first.kill()
    case.equal('the job was killed', killed.status, 'killed')
    [dead] = [h for h in history(deployed) if h['status'] == 'deploying']
    case.equal('its row is open at the migration, owned by job-101', (dead['controller'], dead['message']),
               ('job-101', 'step: migrate'))
    case.equal('the killed transaction applied nothing', deployed.schema_versions(), before['schema_versions'])

    relaunch = job.run(hostname='job-102')
    case.check('the relaunch, with the same extra vars and nothing else, succeeds', relaunch.ok, relaunch)
    summary = relaunch.artifact_data['blogops_release']
    case.equal('it deployed', summary['outcome'], 'deployed')
    said = summary['recovered'] or ''
    case.check('it says it rolled back the unfinished deploy of job-101, which is gone',
               said.startswith('rolled back the unfinished deploy %d of comments 1.0.0 -> 1.1.0' % dead['id'])
               and 'job-101' in said and 'is gone' in said, said)

    after = deployed.state()
    check_rows(case, before, after)
    case.equal('module_version: comments 1.1.0', recorded(after), [('1.1.0', '1.3')])
    case.equal('schema of comments', after['schema_versions']['comments'], ['1', '1.1', '1.2', '1.3'])
    case.check('1.1.0 is live', after['release_files'][deployed.release_root]['links']['current'].startswith(
        'releases/1.1.0-'), after['release_files'])
    old = len(before['tracking']['schema_version'])
    case.equal('only the relaunch migrated, nothing to undo',
               [(r['version'], r['kind']) for r in after['tracking']['schema_version'][old:]],
               [('1.1', 'migrate'), ('1.2', 'migrate'), ('1.3', 'migrate')])
    rows = history(deployed)
    case.equal('the earlier history is untouched', rows[:-2],
               [h for h in before['tracking']['history'] if h['module_name'] == 'comments'])
    case.equal('the dead row is closed as rolled back, saying so',
               [(h['id'], h['status'], h['message']) for h in rows[-2:-1]], [(dead['id'], 'rolled_back', said)])
    case.equal('then the relaunch deployed, by alice, from job-102',
               (rows[-1]['status'], rows[-1]['actor'], rows[-1]['controller']), ('deployed', 'alice', 'job-102'))
    case.outcome('relaunch (other host name, no extra setting) found job-101 dead, rolled its deploy back, then '
                 'deployed 1.1.0')


def test_a_relaunch_never_takes_over_a_deploy_still_migrating(deployed, pg_server, tmp_path, fault_case):
    case = fault_case.case('AWX relaunch while the job runs', 'relaunch as job-102 while job-101 sleeps in a '
                                                              'pg_sleep migration')
    prepare(deployed)
    job = deploy_job(deployed, tmp_path)
    gate = paused(pg_server, deployed)
    first = None
    try:
        first = job.start(hostname='job-101')
        wait_for('the migration of job-101 to sleep', lambda: migrating(deployed), timeout=300)
        [running] = [h for h in history(deployed) if h['status'] == 'deploying']
        during = history(deployed)

        relaunch = job.run(hostname='job-102')
        case.check('the relaunch fails', not relaunch.ok and relaunch.artifact_data['blogops_release']['outcome']
                   == 'failed', relaunch)
        message = relaunch.artifact_data['blogops_release']['message']
        case.check('naming the running deploy of job-101 and saying nothing changed',
                   'deploy in progress: deploy of comments 1.0.0 -> 1.1.0 by alice' in message
                   and 'history id %d' % running['id'] in message and 'job-101' in message
                   and 'its run is alive' in message and 'Nothing was changed' in message, message)
        case.check('the first run still migrates', migrating(deployed))
        case.equal('the history is untouched', history(deployed), during)
    finally:
        gate.close()
    done = first.wait(600)
    case.check('the first run then finishes normally', done.ok and done.artifact_data['blogops_release']['outcome']
               == 'deployed' and not done.artifact_data['blogops_release']['recovered'], done)
    after = deployed.state()
    case.equal('module_version: comments 1.1.0', recorded(after), [('1.1.0', '1.3')])
    case.check('1.1.0 is live', after['release_files'][deployed.release_root]['links']['current'].startswith(
        'releases/1.1.0-'), after['release_files'])
    case.equal('its row is closed as deployed', [(h['id'], h['status']) for h in history(deployed)[-1:]],
               [(running['id'], 'deployed')])
    case.outcome('relaunch refused at once, naming the running deploy; nothing changed; job-101 then deployed 1.1.0')


def test_a_run_in_a_container_of_its_own_is_judged_by_its_heartbeat(deployed, pg_server, tmp_path, fault_case):
    case = fault_case.case('AWX cancel of a job in its own container', 'job-101 in a pid namespace of its own '
                                                                       'SIGKILLed mid-migration; lease %d s' % LEASE)
    prepare(deployed)
    before = deployed.state()
    job = deploy_job(deployed, tmp_path, blog_recover_stale_after=LEASE)
    gate = paused(pg_server, deployed)
    first = None
    try:
        first = job.start(hostname='job-101', pid_namespace=True)
        wait_for('the migration of job-101 to sleep', lambda: migrating(deployed), timeout=300)
        first.kill()
        first.wait()
    finally:
        gate.close()
        if first is not None and first.proc.poll() is None:
            first.kill()
    [dead] = [h for h in history(deployed) if h['status'] == 'deploying']
    # As if job-101 had died right after renewing its heartbeat: the relaunch finds it within the lease.
    deployed.db.execute('UPDATE module_version_history SET heartbeat_at = now() WHERE id = %s', (dead['id'],))

    # This controller cannot see job-101's processes: only the database tells.
    relaunch = job.run(hostname='job-102')
    case.check('the relaunch succeeds', relaunch.ok, relaunch)
    looked = relaunch.result('Wait until the run of that deploy can be told alive or dead')
    case.check('it asked again until the run could be told dead', looked['_status'] == 'ok'
               and looked.get('attempts', 1) > 1 and looked['in_progress'][0]['run_state'] == 'dead', looked)
    said = relaunch.artifact_data['blogops_release']['recovered'] or ''
    case.check('it says why the run is dead: no session, a heartbeat older than the lease',
               said.startswith('rolled back the unfinished deploy %d' % dead['id'])
               and 'no database session of it is open' in said and 'more than the %d s lease' % LEASE in said, said)
    after = deployed.state()
    check_rows(case, before, after)
    case.equal('module_version: comments 1.1.0', recorded(after), [('1.1.0', '1.3')])
    case.equal('the history says both', [h['status'] for h in history(deployed)[-2:]], ['rolled_back', 'deployed'])
    case.outcome('relaunch waited %s looks, found no session and a stale heartbeat, rolled back, deployed 1.1.0'
                 % looked.get('attempts'))
