# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deploy playbook end to end, and one real failure per row of DESIGN section 7's table:
afterwards `current`, the data, the schema and the tracking tables are what they were, the history
says what happened, and the play failed with one message naming the step, the host and the cause."""

import glob
import os
import subprocess

from ansible_collections.blogops.release.plugins.plugin_utils.controller_run import this_run
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def failure_message(run):
    messages = [r['result'].get('msg', '') for r in run.failed_results() if 'deploy of' in r['result'].get('msg', '')]
    assert messages, run
    return messages[-1]


def test_deploy_records_everything_and_a_second_run_changes_nothing(blog):
    first = blog.deploy('core', '1.0.0')
    assert first.ok, first
    release = blog.releases('core')
    assert len(release) == 1 and release[0].startswith('1.0.0-')
    assert blog.links('core') == dict(current='releases/' + release[0], previous=None)
    checksum = 'sha256:' + tree_sha256(os.path.join(blog.source, 'modules', 'core', 'files'))
    assert release[0] == '1.0.0-' + checksum[7:15]
    assert blog.db.query('SELECT version, schema_version, checksum FROM module_version') == [
        dict(version='1.0.0', schema_version='1', checksum=checksum)]
    assert blog.db.query('SELECT slug FROM posts') == [dict(slug='hello-world')]
    history = blog.history('core')
    assert [(h['from_version'], h['to_version'], h['status']) for h in history] == [(None, '1.0.0', 'deployed')]
    backups = glob.glob(os.path.join(blog.backup_dir, 'blog_backup_*.dump'))
    assert history[0]['backup'] in backups and os.path.exists(history[0]['backup'] + '.json')
    stats = first.stats['blogops_release']
    assert (stats['module'], stats['from_version'], stats['to_version'], stats['outcome']) == (
        'core', None, '1.0.0', 'deployed')
    assert stats['schema_version_before'] is None and stats['schema_version_after'] == '1'
    assert stats['hosts'] == dict(localhost='deployed')
    # No deploy was open: preflight's database read said so, and the recover role did not run (no look-up of its own).
    assert first.results_of('Look for an unfinished deploy of the blog module') == []
    # The host had nothing to remove (preflight read no release there): the clean-up cost no module run.
    assert [r['status'] for r in first.results_of('Remove unfinished uploads and old releases')] == ['skipped']

    before = blog.snapshot('core')
    second = blog.deploy('core', '1.0.0')
    assert second.ok, second
    assert [r['task'] for r in second.results if r['result'].get('changed')] == []
    assert second.stats['blogops_release']['outcome'] == 'unchanged'
    assert blog.snapshot('core') == before
    assert len(blog.history('core')) == 1
    assert glob.glob(os.path.join(blog.backup_dir, 'blog_backup_*.dump')) == backups
    # Nothing to deploy: preflight's read of the host proved the live files, and no other run checks them again.
    assert [r['result']['live_proof'] for r in second.results_of('Check the app host and read its releases')] == [
        dict(release_id=release[0], verified=True, message='')]
    assert second.results_of('Check the live release and its files') == []


def test_upgrade_keeps_the_previous_release_as_rollback_target(deployed):
    old = deployed.links('comments')['current']
    # An older release and an unfinished upload that the clean-up after the upgrade removes (it keeps two).
    releases = os.path.join(deployed.release_root, 'comments', 'releases')
    os.mkdir(os.path.join(releases, '0.9.0-0badcafe'))
    os.utime(os.path.join(releases, '0.9.0-0badcafe'), (1e9, 1e9))
    os.mkdir(os.path.join(releases, '.1.1.0-0badcafe.partial-abc123'))
    deployed.overlay('comments-1.1.0')
    run = deployed.deploy('comments', '1.1.0', blog_keep_releases=2)
    assert run.ok, run
    links = deployed.links('comments')
    assert links['previous'] == old and links['current'] != old and links['current'].startswith('releases/1.1.0-')
    assert ['releases/' + r for r in deployed.releases('comments')] == [old, links['current']]
    assert deployed.schema_versions()['comments'] == ['1', '1.1', '1.2']
    assert [c['column_name'] for c in deployed.snapshot()['columns'] if c['table_name'] == 'comments'].count('author') == 1
    history = [(h['to_version'], h['status']) for h in deployed.history('comments')]
    assert history == [('1.0.0', 'deployed'), ('1.1.0', 'deployed')]
    # The backup's run opened the history row, the migration's run noted the switch: neither the open nor the first
    # batch's heartbeat cost a module run of its own.
    assert [r['status'] for r in run.results_of('Open the deploy in the history')] == ['skipped']
    assert run.result('Back up the blog database')['deployment']['to_version'] == '1.1.0'
    assert run.result("Migrate the blog module's schema")['next_noted'] is True
    assert [r['status'] for r in run.results_of("Renew the deploy's heartbeat for the batch")] == ['skipped']


def test_check_mode_runs_the_chain_and_changes_nothing(deployed):
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    backups = sorted(os.listdir(deployed.backup_dir))
    run = deployed.deploy('comments', '1.1.0', check=True)
    assert run.ok, run
    assert run.result('Make the release live')['changed'] is True
    assert run.result("Migrate the blog module's schema")['changed'] is True
    assert deployed.snapshot() == before
    assert sorted(os.listdir(deployed.backup_dir)) == backups
    assert len(deployed.history('comments')) == 1


def test_preflight_lists_every_problem_and_changes_nothing(blog):
    blog.set_version('comments', '1.0.0', requires={'core': '>=1.0,<2'})
    blog.write('comments', {'module.yml': 'name: comments\nversion: 1.0.0\nrequires: {core: ">=1.0,<2"}\n'
                                          'environment: [BLOGOPS_TEST_NOT_SET]\n'})
    run = blog.deploy('comments', '1.0.0', blog_release_root='/proc/blogops-cannot-write-here')
    assert not run.ok
    message = failure_message(run)
    assert 'failed at preflight' in message
    assert 'comments 1.0.0 needs core >=1.0,<2, which is not installed' in message
    assert 'environment variable BLOGOPS_TEST_NOT_SET is not set' in message
    assert '/proc/blogops-cannot-write-here is not writable' in message
    assert blog.tables() == []
    assert not os.path.exists(blog.backup_dir) or os.listdir(blog.backup_dir) == []


def test_a_bad_connection_fails_preflight_without_leaking_the_password(blog):
    secret = 'not-the-password-%d' % os.getpid()
    run = blog.deploy('core', '1.0.0', blog_db_password=secret)
    assert not run.ok
    message = failure_message(run)
    assert 'failed at preflight' in message and 'PostgreSQL database' in message and 'password authentication failed' in message
    assert secret not in run.output
    assert blog.tables() == []


def test_backup_failure_leaves_no_backup_and_changes_nothing(deployed, tmp_path):
    # A real full disk: a tiny tmpfs for the backups, with data that does not fit.
    deployed.db.execute("INSERT INTO posts (slug, title, body) SELECT 'p' || n, 't', "
                        "(SELECT string_agg(md5(random()::text || n || g), '') FROM generate_series(1, 60) AS g) "
                        "FROM generate_series(1, 2000) AS n")
    small = str(tmp_path / 'small')
    os.mkdir(small)
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=256k,mode=0700', 'tmpfs', small], check=True)
    try:
        deployed.overlay('comments-1.1.0')
        before = deployed.snapshot()
        run = deployed.deploy('comments', '1.1.0', blog_backup_dir=small, blog_backup_min_free_mb=0)
        assert not run.ok
        message = failure_message(run)
        assert 'failed at backup on database host localhost' in message and 'No space left on device' in message
        assert deployed.snapshot() == before
        assert [n for n in os.listdir(small) if n.endswith('.json')] == []
        assert deployed.history('comments')[-1]['status'] == 'failed'
    finally:
        subprocess.run(['umount', small], check=True)


def test_upload_failure_removes_nothing_live_and_changes_nothing(deployed):
    releases = os.path.join(deployed.release_root, 'comments', 'releases')
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    subprocess.run(['chattr', '+i', releases], check=True)
    try:
        run = deployed.deploy('comments', '1.1.0')
    finally:
        subprocess.run(['chattr', '-i', releases], check=True)
    assert not run.ok
    message = failure_message(run)
    assert 'failed at upload on localhost' in message and 'Operation not permitted' in message
    assert deployed.snapshot() == before
    assert deployed.history('comments')[-1]['status'] == 'failed'


def test_failing_migration_in_the_transaction_rolls_back_completely(deployed):
    deployed.overlay('comments-1.1.0')
    assert deployed.deploy('comments', '1.1.0').ok
    before = deployed.snapshot()
    deployed.overlay('comments-1.2.0')
    run = deployed.deploy('comments', '1.2.0')
    assert not run.ok
    message = failure_message(run)
    assert 'failed at migrate on database host localhost' in message
    assert 'V1.4__require_known_authors.sql failed: check constraint "comments_author_known"' in message
    assert deployed.snapshot() == before
    last = deployed.history('comments')[-1]
    assert (last['to_version'], last['status']) == ('1.2.0', 'rolled_back')
    assert run.stats['blogops_release']['failed_step'] == 'migrate'


def test_failing_script_outside_a_transaction_is_put_back_from_the_backup(deployed):
    deployed.set_version('comments', '1.1.0', requires={'core': '>=1.0,<2'})
    deployed.write('comments', {
        'migrations/V1.1__add_author.sql': "ALTER TABLE comments ADD COLUMN author text NOT NULL DEFAULT 'anonymous';\n",
        'migrations/U1.1__add_author.sql': 'ALTER TABLE comments DROP COLUMN author;\n',
        'migrations/V1.2__index_authors.sql': 'CREATE INDEX CONCURRENTLY comments_by_author ON comments (no_such_column);\n',
        'migrations/U1.2__index_authors.sql': 'DROP INDEX CONCURRENTLY IF EXISTS comments_by_author;\n',
    })
    before = deployed.snapshot()
    schema_rows = deployed.db.query('SELECT * FROM schema_version ORDER BY id')
    run = deployed.deploy('comments', '1.1.0')
    assert not run.ok
    message = failure_message(run)
    assert 'failed at migrate' in message and 'V1.2__index_authors.sql' in message and 'no_such_column' in message
    assert deployed.snapshot() == before
    # Restored from the backup: schema_version as it was, row for row; the history keeps the deploy.
    assert deployed.db.query('SELECT * FROM schema_version ORDER BY id') == schema_rows
    last = deployed.history('comments')[-1]
    assert (last['to_version'], last['status']) == ('1.1.0', 'rolled_back')
    assert 'failed at migrate' in last['message']


def test_failed_verification_after_the_switch_undoes_everything(deployed):
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    run = deployed.deploy('comments', '1.1.0', blog_health_url='http://127.0.0.1:9/health')
    assert not run.ok
    message = failure_message(run)
    assert 'failed at verify on localhost' in message and 'Connection refused' in message
    after = deployed.snapshot()
    assert after == before
    rows = deployed.db.query("SELECT version, kind FROM schema_version WHERE module_name = 'comments' ORDER BY id")
    assert rows[-2:] == [dict(version='1.2', kind='undo'), dict(version='1.1', kind='undo')], 'undone by the U scripts'
    last = deployed.history('comments')[-1]
    assert (last['to_version'], last['status']) == ('1.1.0', 'rolled_back')


def test_failed_verification_without_undo_scripts_restores_the_backup(deployed):
    deployed.overlay('comments-1.1.0')
    deployed.write('comments', {'migrations/U1.2__index_comments_by_post.sql': None})
    before = deployed.snapshot()
    run = deployed.deploy('comments', '1.1.0', blog_health_url='http://127.0.0.1:9/health')
    assert not run.ok
    assert deployed.snapshot() == before
    kinds = [r['kind'] for r in deployed.db.query("SELECT kind FROM schema_version WHERE module_name = 'comments'")]
    assert kinds == ['migrate'], 'the backup, not undo scripts, put the schema back'
    assert deployed.history('comments')[-1]['status'] == 'rolled_back'


def test_failed_record_sets_the_row_back(deployed):
    deployed.db.execute('''
        CREATE FUNCTION refuse_1_1() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.version = '1.1.0' THEN RAISE EXCEPTION 'comments 1.1.0 is not allowed here'; END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER refuse_1_1 BEFORE UPDATE ON module_version FOR EACH ROW EXECUTE FUNCTION refuse_1_1();
    ''')
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    # The trigger's function is a change made outside a deploy: allowed, so that the deploy gets as far as the record.
    run = deployed.deploy('comments', '1.1.0', blog_allow_drift=True)
    assert not run.ok
    assert 'failed at record' in failure_message(run) and 'comments 1.1.0 is not allowed here' in failure_message(run)
    assert deployed.snapshot() == before
    assert deployed.history('comments')[-1]['status'] == 'rolled_back'


def test_a_second_deploy_of_the_same_blog_module_is_refused_while_one_runs(deployed):
    # The deploy in progress belongs to a live process of this machine: this test's.
    run = this_run(os.getpid())
    deployed.db.execute("INSERT INTO module_version_history (module_name, from_version, to_version, status, actor, "
                        "message, controller, controller_pid, controller_token, heartbeat_at) VALUES ('comments', "
                        "'1.0.0', '1.1.0', 'deploying', 'someone', 'step: migrate', %s, %s, %s, now())",
                        (run['controller'], run['controller_pid'], run['controller_token']))
    deployed.overlay('comments-1.1.0')
    before = deployed.snapshot()
    run = deployed.deploy('comments', '1.1.0')
    assert not run.ok
    message = failure_message(run)
    assert 'deploy in progress: deploy of comments 1.0.0 -> 1.1.0 by someone' in message
    assert 'last step: step: migrate' in message
    assert deployed.snapshot() == before
