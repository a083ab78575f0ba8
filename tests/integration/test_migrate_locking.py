# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.migrate runs at the same time, killed runs and live traffic, against a real PostgreSQL.

The runs are coordinated with real locks: a test session holds a lock on the table ``gate``, a
migration waits for it, and the test waits for what pg_stat_activity and pg_locks say.
"""

import datetime
import time

from ansible_collections.blogops.release.plugins.module_utils._advisory_lock import LOCK_CLASS, lock_purpose
from migration_tasks import history, migrate, task, tasks, versions, write

APPLICATION = 'blogops.release/migrate/%s@%%'


def wait_for(what, predicate, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError('timed out after %d s waiting for %s' % (timeout, what))


def waiting_runs(blog_db, wait_event, module_name='comments'):
    """Sessions of migrate runs on ``module_name`` waiting for a lock: 'relation' (the gate) or 'advisory'."""
    return blog_db.query(
        "SELECT pid, application_name, host(client_addr) AS client_addr, backend_start FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name LIKE %s AND wait_event_type = 'Lock' "
        'AND wait_event = %s', (APPLICATION % module_name, wait_event))


def migration_locks(blog_db, module_name='comments'):
    """Sessions holding the migration lock of ``module_name``."""
    return blog_db.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s::bigint::oid "
                         'AND objid = hashtext(%s)::oid AND objsubid = 2 '
                         'AND database = (SELECT oid FROM pg_database WHERE datname = current_database())',
                         (LOCK_CLASS, lock_purpose('migrate', 'public', module_name)))


def hold_gate(pg_server, blog_db):
    """A session holding an exclusive lock on table gate until its rollback()."""
    blog_db.execute('CREATE TABLE gate (x int)')
    gate = pg_server.connect(blog_db.name, autocommit=False)
    gate.cursor().execute('LOCK TABLE gate IN ACCESS EXCLUSIVE MODE')
    return gate


GATED = {
    'V1__create_posts.sql': 'CREATE TABLE posts (id int);\n',
    'V2__wait_for_the_gate.sql': 'SELECT count(*) FROM gate;\n',
}


def test_runs_on_one_blog_module_take_turns_and_other_modules_do_not_wait(ansible, blog_db, pg_server, tmp_path):
    path = write(tmp_path / 'comments', GATED)
    core = write(tmp_path / 'core', {'V1__create_settings.sql': 'CREATE TABLE settings (k text);\n'})
    # The tracking tables exist, as on every database but a new one: there the first runs also wait for
    # the one creating them.
    assert migrate(ansible, module_name='core', path=core)[0].ok
    write(core, {'V2__add_value.sql': 'ALTER TABLE settings ADD COLUMN v text;\n'})
    gate = hold_gate(pg_server, blog_db)
    first = waiter = None
    try:
        first = ansible.start(tasks(task(path=path, lock_timeout='0')))
        holder = wait_for('the first run to wait for the gate', lambda: waiting_runs(blog_db, 'relation'))[0]

        busy, result = migrate(ansible, path=path, lock_wait=1)
        assert not busy.ok
        msg = result['msg']
        assert "another run holds the migration lock of blog module 'comments'" in msg
        assert 'within lock_wait=1 s' in msg
        assert 'pid %d' % holder['pid'] in msg
        assert "application_name '%s'" % holder['application_name'] in msg
        assert holder['application_name'].startswith('blogops.release/migrate/comments@')
        assert 'client 127.0.0.1:' in msg
        [named] = result['lock_holders']
        assert (named['pid'], named['client_addr']) == (holder['pid'], '127.0.0.1')
        assert datetime.datetime.fromisoformat(named['backend_start']) == holder['backend_start']
        assert 'connected since %s' % named['backend_start'] in msg

        other, result = migrate(ansible, module_name='core', path=core, lock_wait=0)
        assert other.ok, other
        assert versions(result['applied']) == ['2']

        waiter = ansible.start(tasks(task(path=path, lock_wait=120)))
        wait_for('the second run to wait for the lock', lambda: waiting_runs(blog_db, 'advisory'))
        gate.rollback()

        first_run = first.wait(180)
        waiter_run = waiter.wait(180)
    finally:
        gate.close()
        for run in (first, waiter):
            if run is not None and run.proc.poll() is None:
                run.kill()
    assert first_run.ok, first_run
    assert versions(first_run.result('Migrate')['applied']) == ['1', '2']
    assert waiter_run.ok, waiter_run
    result = waiter_run.result('Migrate')
    assert (result['changed'], result['applied'], result['pending']) == (False, [], [])
    assert result['schema_version_before'] == '2'
    assert versions(history(blog_db)) == ['1', '2']
    assert not migration_locks(blog_db)


def test_a_killed_run_leaves_no_lock_and_nothing_applied(ansible, blog_db, pg_server, tmp_path):
    path = write(tmp_path / 'comments', GATED)
    gate = hold_gate(pg_server, blog_db)
    run = None
    try:
        run = ansible.start(tasks(task(path=path, lock_timeout='0')))
        holder = wait_for('the run to wait for the gate', lambda: waiting_runs(blog_db, 'relation'))[0]
        assert [lock['pid'] for lock in migration_locks(blog_db)] == [holder['pid']]
        run.kill()
        run.proc.wait()
        # The gate is still held: only the server noticing the dead client can end that session.
        wait_for('the killed run\'s session and lock to go', lambda: not migration_locks(blog_db), timeout=30)
        assert not blog_db.query('SELECT pid FROM pg_stat_activity WHERE pid = %s', (holder['pid'],))
        assert not blog_db.table_exists('posts')
        assert not blog_db.table_exists('schema_version')
    finally:
        gate.rollback()
        gate.close()
        if run is not None and run.proc.poll() is None:
            run.kill()

    again, result = migrate(ansible, path=path, lock_wait=5)
    assert again.ok, again
    assert versions(result['applied']) == ['1', '2']


def test_migrations_give_up_quickly_behind_live_traffic_and_slow_statements(ansible, blog_db, pg_server, tmp_path):
    blog_db.execute('CREATE TABLE posts (id int)')
    behind = write(tmp_path / 'comments', {
        'V1__create_drafts.sql': 'CREATE TABLE drafts (id int);\n',
        'V2__add_title.sql': 'ALTER TABLE posts ADD COLUMN title text;\n',
    })
    slow = write(tmp_path / 'search', {'V1__slow.sql': 'CREATE TABLE words (w text);\nSELECT pg_sleep(120);\n'})
    reader = pg_server.connect(blog_db.name, autocommit=False)
    try:
        # Live traffic: a transaction that read posts and is still open.
        reader.cursor().execute('SELECT * FROM posts')
        run = ansible.play(tasks(
            dict(task('Migrate behind live traffic', path=behind, lock_timeout='1s'), ignore_errors=True),
            dict(task('Migrate a slow script', module_name='search', path=slow, statement_timeout='1s'),
                 ignore_errors=True),
        ), timeout=240)
        locked = run.result('Migrate behind live traffic')
        assert locked['_status'] == 'failed'
        assert 'V2__add_title.sql failed: canceling statement due to lock timeout' in locked['msg']
        assert not blog_db.table_exists('drafts')
        assert reader.get_transaction_status() != 0, 'the reader must still hold its lock'
    finally:
        reader.rollback()
        reader.close()
    slowed = run.result('Migrate a slow script')
    assert slowed['_status'] == 'failed'
    assert 'V1__slow.sql failed: canceling statement due to statement timeout' in slowed['msg']
    assert slowed['duration_ms'] < 60000
    assert not blog_db.table_exists('words')
    assert [c['column_name'] for c in blog_db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'posts'")] == ['id']


ALLOW = '-- blogops:allow-session-settings: testing that the module sets its settings again\n'
SWITCHED_OFF = {
    # module_name: (the first script, transaction)
    'reset_all': (ALLOW + 'RESET ALL;\n', 'all'),
    'set_zero': (ALLOW + 'SET lock_timeout = 0;\n', 'each'),
    'set_local_zero': (ALLOW + 'SET LOCAL lock_timeout = 0;\n', 'all'),
    'autocommit_zero': (ALLOW + '-- blogops:transactional=false\nSET lock_timeout = 0;\n', 'all'),
    'set_config_zero': ("SELECT set_config('lock_timeout', '0', false);\n", 'all'),
}


def test_a_script_cannot_switch_off_lock_timeout_for_the_scripts_after_it(ansible, blog_db, pg_server, tmp_path, fault_case):
    later = fault_case.case('migration switches off lock_timeout',
                            'V1 runs RESET ALL, SET [LOCAL] lock_timeout = 0 (in the transaction, with transaction: '
                            'each, in autocommit) or set_config(); V2 needs a table another session holds ACCESS '
                            'EXCLUSIVE; lock_timeout 1s')
    refused = fault_case.case('session settings without a reason', 'V1 with RESET ALL, SET lock_timeout = 0 or SET ROLE '
                                                                   'and no -- blogops:allow-session-settings line')
    items = []
    for name, (first, transaction) in sorted(SWITCHED_OFF.items()):
        path = write(tmp_path / name, {'V1__switch_off.sql': first, 'V2__wait_for_the_gate.sql': GATED['V2__wait_for_the_gate.sql']})
        items.append(dict(task(name, module_name=name, path=path, lock_timeout='1s', transaction=transaction),
                          ignore_errors=True))
    for name, statement in (('unmarked_reset', 'RESET ALL'), ('unmarked_zero', 'SET lock_timeout = 0'),
                            ('unmarked_role', 'SET ROLE postgres')):
        path = write(tmp_path / name, {'V1__switch_off.sql': 'CREATE TABLE %s (x int);\n%s;\n' % (name, statement),
                                       'V2__wait_for_the_gate.sql': GATED['V2__wait_for_the_gate.sql']})
        items.append(dict(task(name, module_name=name, path=path, lock_timeout='1s'), ignore_errors=True))
    gate = hold_gate(pg_server, blog_db)
    running = ansible.start(tasks(*items))
    try:
        run = running.wait(120)
    except Exception:
        later.check('every run gave up within its lock_timeout', False, 'a run still waited for the gate after 120 s')
        raise
    finally:
        gate.rollback()
        gate.close()
    spent = []
    for name, (_first, transaction) in sorted(SWITCHED_OFF.items()):
        result = run.result(name)
        later.check('%s: V2 failed on its lock timeout, named' % name, result['_status'] == 'failed' and
                    result['msg'].startswith('V2__wait_for_the_gate.sql') and
                    'failed: canceling statement due to lock timeout' in result['msg'], result)
        later.check('%s: within seconds, not after the gate opened' % name, result['duration_ms'] < 10000, result)
        spent.append(result['duration_ms'])
        later.equal('%s: only what committed before V2 is recorded' % name, versions(history(blog_db, name)),
                    ['1'] if transaction == 'each' or name.startswith('autocommit') else [])
    for name, statement in (('unmarked_reset', 'RESET ALL'), ('unmarked_zero', 'SET lock_timeout to 0'),
                            ('unmarked_role', 'SET ROLE')):
        result = run.result(name)
        refused.check('%s: refused before anything ran, naming the script, the line and the marker' % name,
                      result['_status'] == 'failed' and 'V1__switch_off.sql line 2: %s would make the rest of this '
                      'script' % statement in result['msg'] and '-- blogops:allow-session-settings: <reason>'
                      in result['msg'], result)
        refused.check('%s: nothing applied' % name, not blog_db.table_exists(name) and not history(blog_db, name))
    later.outcome('each run failed at V2 within %d ms at most: "V2__wait_for_the_gate.sql ... failed: canceling statement '
                  'due to lock timeout"; the module sets lock_timeout again after every script' % max(spent))
    refused.outcome('refused before anything ran: "V1__switch_off.sql line 2: RESET ALL would make the rest of this '
                    'script run without the run\'s lock_timeout and statement_timeout; ... needs a line -- '
                    'blogops:allow-session-settings: <reason>"')
