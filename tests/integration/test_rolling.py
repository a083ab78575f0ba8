# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Deploys to the three app hosts of the SSH test lab, the database on this machine: a rolling deploy in
batches with the database work done once, a host that fails (its release directory read-only, its health
check refused) with either policy, and a host whose sshd dies in the middle of the run. Each test starts
from core 1.0.0 and comments 1.0.0 live on every host and asserts every host's links and releases, the
tables and the report."""

import json
import os
import shutil
import time

import pytest

from deploy_env import PLAYBOOKS, Blog
from harness.playbook import start_playbook

HOSTS = ['blog-app-1', 'blog-app-2', 'blog-app-3']
# Extra vars are templated for each host: only blog-app-2 checks a health URL, and nothing listens there.
REFUSED_ON_HOST_2 = dict(blog_health_url="{{ 'http://127.0.0.1:9/health' if inventory_hostname == 'blog-app-2' else '' }}",
                         blog_health_retries=1, blog_health_delay=0)


@pytest.fixture
def lab_blog(tmp_path, ansible, blog_db, ssh_lab, deployed_template, pg_server):
    """core 1.0.0 and comments 1.0.0 live on every lab host: a copy of the template's database and backups,
    and its release tree in each host's /srv/blog."""
    pg_server.drop_database(blog_db.name)
    pg_server.query('postgres', 'CREATE DATABASE "%s" TEMPLATE "%s"' % (blog_db.name, deployed_template.db.name))
    blog = Blog(tmp_path, ansible, blog_db, inventory=ssh_lab.inventory_path)
    blog.release_root = '/srv/blog'  # on the hosts; on this machine each host's tree is under host.srv
    blog.roots = [os.path.join(host.srv, 'blog') for host in ssh_lab.hosts]
    for root in blog.roots:
        shutil.copytree(deployed_template.release_root, root, symlinks=True)
    shutil.copytree(deployed_template.backup_dir, blog.backup_dir)
    return blog


def root_of(blog, host):
    return blog.roots[HOSTS.index(host)]


def report(run):
    """The deploy's one message: every host fails with it at the end."""
    failed = run.results_of('Fail with what happened')
    assert sorted(r['host'] for r in failed if r['status'] == 'failed') == HOSTS, run
    messages = set(r['result']['msg'] for r in failed)
    assert len(messages) == 1, messages
    return messages.pop()


def hosts_that_ran(run, task):
    return sorted(r['host'] for r in run.results_of(task) if r['status'] != 'skipped')


def comments_schema_rows(blog):
    return [(r['version'], r['kind']) for r in blog.db.query(
        "SELECT version, kind FROM schema_version WHERE module_name = 'comments' ORDER BY id")]


def history(blog):
    return [(h['from_version'], h['to_version'], h['status']) for h in blog.history('comments')]


def test_rolling_deploy_switches_batch_by_batch_and_does_the_database_work_once(lab_blog):
    lab_blog.overlay('comments-1.1.0')
    old = lab_blog.links('comments', lab_blog.roots[0])['current']
    backups = sorted(os.listdir(lab_blog.backup_dir))

    run = lab_blog.deploy('comments', '1.1.0', blog_serial='67%')  # batches of 2 hosts, then 1
    assert run.ok, run

    stats = run.stats['blogops_release']
    new = 'releases/' + stats['release_id']
    assert new.startswith('releases/1.1.0-') and new != old
    for root in lab_blog.roots:
        assert lab_blog.links('comments', root) == dict(current=new, previous=old)
        assert lab_blog.releases('comments', root) == sorted([old[len('releases/'):], new[len('releases/'):]])

    # Batch 1 (blog-app-1, -2) switched and proved both hosts before batch 2 (blog-app-3) began: the switch's run
    # proves the files (verified), and no other step checks them again.
    switches = [r for r in run.results if r['task'].endswith(' : Make the release live')]
    assert sorted(r['host'] for r in switches[:2]) == ['blog-app-1', 'blog-app-2']
    assert [r['host'] for r in switches[2:]] == ['blog-app-3']
    assert [r['result'].get('verified') for r in switches] == [True, True, True]
    assert run.results_of('Check the live release and its files') == []

    # The database work ran once in the whole run, not once per batch.
    for task in ("Migrate the blog module's schema", 'Back up the blog database', "Record the blog module's version",
                 'Open the deploy in the history', 'Close the deploy in the history'):
        assert len(run.results_of(task)) == 1, task
    assert comments_schema_rows(lab_blog) == [('1', 'migrate'), ('1.1', 'migrate'), ('1.2', 'migrate')]
    assert history(lab_blog) == [(None, '1.0.0', 'deployed'), ('1.0.0', '1.1.0', 'deployed')]
    assert lab_blog.db.query("SELECT version, schema_version FROM module_version WHERE module_name = 'comments'") == [
        dict(version='1.1.0', schema_version='1.2')]
    new_backups = sorted(set(os.listdir(lab_blog.backup_dir)) - set(backups))
    assert len([n for n in new_backups if n.endswith('.json')]) == 1

    assert stats['hosts'] == dict.fromkeys(HOSTS, 'deployed')
    assert (stats['module'], stats['from_version'], stats['to_version'], stats['outcome']) == (
        'comments', '1.0.0', '1.1.0', 'deployed')
    assert (stats['schema_version_before'], stats['schema_version_after']) == ('1', '1.2')
    assert stats['backup'] == lab_blog.history('comments')[-1]['backup'] and os.path.exists(stats['backup'] + '.json')
    assert stats['host_failures'] == {} and stats['duration_s'] > 0
    # The summary becomes AWX job artifacts: no connection option in it.
    assert lab_blog.db.server.password not in json.dumps(run.stats)
    assert 'blog_db_password' not in json.dumps(run.stats) and 'login_password' not in json.dumps(run.stats)


ROLE_PLAY = '''
- name: Deploy with the deploy role, one play, every host at once
  hosts: blog_app
  gather_facts: false
  module_defaults:
    group/blogops.release.all: &database
      login_host: "{{ blog_db_host }}"
      login_port: "{{ blog_db_port }}"
      login_user: "{{ blog_db_user }}"
      login_password: "{{ blog_db_password }}"
      login_db: "{{ blog_db_name }}"
    group/community.postgresql.all: *database
  roles:
    - role: blogops.release.deploy
      vars:
        deploy_module: comments
        deploy_version: 1.1.0
        deploy_source_root: "{{ blog_source_root }}"
        deploy_release_root: /srv/blog
        deploy_backup_dir: "{{ blog_backup_dir }}"
'''


def test_deploy_role_in_one_play_puts_every_host_back_when_host_2_cannot_write(lab_blog, ssh_lab, tmp_path):
    lab_blog.overlay('comments-1.1.0')
    ssh_lab.make_unwritable('blog-app-2', '/srv/blog/comments')
    before = lab_blog.snapshot(roots=lab_blog.roots)
    playbook = tmp_path / 'role-play.yml'
    playbook.write_text(ROLE_PLAY)

    run = lab_blog.ansible.playbook(str(playbook), inventory=ssh_lab.inventory_path, extra_vars=dict(
        blog_source_root=lab_blog.source, blog_backup_dir=lab_blog.backup_dir))

    assert not run.ok
    message = report(run)
    assert message.startswith('deploy of comments 1.1.0 failed at upload on blog-app-2: ')
    assert 'Read-only file system' in message and message.endswith('; everything was rolled back')
    # blog-app-1 and -3 got the release, then lost it again; blog-app-2 never had it.
    assert [r['status'] for r in sorted(run.results_of('Upload the release'), key=lambda r: r['host'])] == [
        'ok', 'failed', 'ok']
    assert hosts_that_ran(run, 'Remove the release the failed run uploaded') == ['blog-app-1', 'blog-app-3']
    assert lab_blog.snapshot(roots=lab_blog.roots) == before
    assert history(lab_blog)[-1] == ('1.0.0', '1.1.0', 'rolled_back')
    assert lab_blog.history('comments')[-1]['message'] == message
    assert run.stats['blogops_release']['hosts'] == dict.fromkeys(HOSTS, 'rolled_back')


def test_serial_rollout_with_rollback_all_puts_back_the_switched_hosts_and_the_database(lab_blog):
    lab_blog.overlay('comments-1.1.0')
    before = lab_blog.snapshot(roots=lab_blog.roots)

    run = lab_blog.deploy('comments', '1.1.0', blog_serial=1, **REFUSED_ON_HOST_2)

    assert not run.ok
    message = report(run)
    assert message.startswith('deploy of comments 1.1.0 failed at verify on blog-app-2: ')
    assert 'Connection refused' in message and message.endswith('; everything was rolled back')
    # blog-app-1 was switched and proved, blog-app-2 failed its health check, blog-app-3 never switched.
    assert hosts_that_ran(run, 'Make the release live') == ['blog-app-1', 'blog-app-2']
    assert hosts_that_ran(run, 'Check the health of the app host') == ['blog-app-2']
    assert lab_blog.snapshot(roots=lab_blog.roots) == before
    assert comments_schema_rows(lab_blog)[-2:] == [('1.2', 'undo'), ('1.1', 'undo')]
    assert history(lab_blog)[-1] == ('1.0.0', '1.1.0', 'rolled_back')
    stats = run.stats['blogops_release']
    assert stats['hosts'] == {'blog-app-1': 'rolled_back', 'blog-app-2': 'failed', 'blog-app-3': 'rolled_back'}
    assert list(stats['host_failures']) == ['blog-app-2'] and stats['failed_step'] == 'verify'
    assert stats['schema_version_after'] == '1'


def test_serial_rollout_with_halt_leaves_the_switched_hosts_until_the_rollback_playbook(lab_blog):
    lab_blog.overlay('comments-1.1.0')
    before = lab_blog.snapshot(roots=lab_blog.roots)
    old = lab_blog.links('comments', lab_blog.roots[0])['current']

    run = lab_blog.deploy('comments', '1.1.0', blog_serial=1, blogops_release_on_host_failure='halt', **REFUSED_ON_HOST_2)

    assert not run.ok
    message = report(run)
    assert message.startswith('deploy of comments 1.1.0 failed at verify on blog-app-2: ')
    assert 'the rollout halted: the new release is live on blog-app-1; blog-app-2, blog-app-3 keep their release' in message
    assert 'module_version still records 1.0.0' in message
    new = 'releases/' + run.stats['blogops_release']['release_id']
    assert lab_blog.links('comments', root_of(lab_blog, 'blog-app-1')) == dict(current=new, previous=old)
    assert lab_blog.links('comments', root_of(lab_blog, 'blog-app-2'))['current'] == old, 'put back at once'
    assert lab_blog.links('comments', root_of(lab_blog, 'blog-app-3')) == dict(current=old, previous=None)
    assert hosts_that_ran(run, 'Make the release live') == ['blog-app-1', 'blog-app-2']
    # The database stays migrated for blog-app-1; module_version still names what the other hosts run.
    assert lab_blog.schema_versions()['comments'] == ['1', '1.1', '1.2']
    assert lab_blog.db.query("SELECT version FROM module_version WHERE module_name = 'comments'") == [dict(version='1.0.0')]
    assert history(lab_blog)[-1] == ('1.0.0', '1.1.0', 'halted')
    assert lab_blog.history('comments')[-1]['message'] == message
    stats = run.stats['blogops_release']
    assert (stats['outcome'], stats['on_host_failure']) == ('halted', 'halt')
    assert stats['hosts'] == {'blog-app-1': 'switched', 'blog-app-2': 'failed', 'blog-app-3': 'not_switched'}

    undo = lab_blog.playbook('rollback', blog_module='comments')
    assert undo.ok, undo
    after = lab_blog.snapshot(roots=lab_blog.roots)
    for key in ('data', 'columns', 'indexes', 'constraints', 'schema_versions'):
        assert after[key] == before[key], key
    assert [lab_blog.links('comments', root)['current'] for root in lab_blog.roots] == [old] * 3
    assert history(lab_blog)[-1] == ('1.0.0', '1.0.0', 'rolled_back')


def wait_for_results(capture, task, count, timeout=240):
    """Wait until the capture file of a running playbook holds ``count`` ok results of ``task``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(capture) as f:
            records = [json.loads(line) for line in f if line.endswith('\n')]
        if len([r for r in records if r['task'].endswith(' : ' + task) and r['status'] == 'ok']) >= count:
            return
        time.sleep(0.05)
    raise AssertionError('%s did not finish on %d hosts within %d s' % (task, count, timeout))


def test_a_host_dropping_mid_run_rolls_the_others_back_and_a_rerun_finishes(lab_blog, ssh_lab):
    lab_blog.overlay('comments-1.1.0')
    before = lab_blog.snapshot(roots=lab_blog.roots)
    old = lab_blog.links('comments', lab_blog.roots[0])['current']
    variables = dict(lab_blog.db.playbook_vars, blog_source_root=lab_blog.source, blog_release_root='/srv/blog',
                     blog_backup_dir=lab_blog.backup_dir, blog_module='comments', blog_version='1.1.0')
    running = start_playbook(os.path.join(PLAYBOOKS, 'deploy.yml'), str(lab_blog.tmp / 'runs'),
                             inventory=ssh_lab.inventory_path, extra_vars=variables)
    try:
        # Every host has the release; the migration runs next, on this machine, then the switch.
        wait_for_results(running.capture, 'Upload the release', 3)
        ssh_lab.kill_host('blog-app-2')
    finally:
        run = running.wait(timeout=600)

    assert not run.ok
    switch = dict((r['host'], r['status']) for r in run.results_of('Make the release live'))
    assert switch == {'blog-app-1': 'ok', 'blog-app-2': 'unreachable', 'blog-app-3': 'ok'}, 'killed after the switch'
    message = report(run)
    assert message.startswith('deploy of comments 1.1.0 failed at switch on blog-app-2 (unreachable): ')
    assert 'everything was rolled back except on blog-app-2' in message
    assert message.endswith('blog-app-2 could not be reached: when it is back, check it and re-run the deploy')
    after = lab_blog.snapshot(roots=lab_blog.roots)
    for key in ('data', 'columns', 'indexes', 'constraints', 'schema_versions'):
        assert after[key] == before[key], key
    for host in ('blog-app-1', 'blog-app-3'):
        assert after['files'][root_of(lab_blog, host)] == before['files'][root_of(lab_blog, host)], host
    # blog-app-2 went down before its switch: still on its release, the upload it got left for the next run.
    new = 'releases/' + run.stats['blogops_release']['release_id']
    assert lab_blog.links('comments', root_of(lab_blog, 'blog-app-2')) == dict(current=old, previous=None)
    assert new[len('releases/'):] in lab_blog.releases('comments', root_of(lab_blog, 'blog-app-2'))
    assert history(lab_blog)[-1] == ('1.0.0', '1.1.0', 'rolled_back')
    assert run.stats['blogops_release']['hosts'] == {
        'blog-app-1': 'rolled_back', 'blog-app-2': 'unreachable', 'blog-app-3': 'rolled_back'}

    ssh_lab.start_host('blog-app-2')
    rerun = lab_blog.deploy('comments', '1.1.0')
    assert rerun.ok, rerun
    for root in lab_blog.roots:
        assert lab_blog.links('comments', root) == dict(current=new, previous=old)
    assert lab_blog.schema_versions()['comments'] == ['1', '1.1', '1.2']
    assert lab_blog.db.query("SELECT version FROM module_version WHERE module_name = 'comments'") == [dict(version='1.1.0')]
    assert history(lab_blog)[-2:] == [('1.0.0', '1.1.0', 'rolled_back'), ('1.0.0', '1.1.0', 'deployed')]
    assert [r['status'] for r in sorted(rerun.results_of('Upload the release'), key=lambda r: r['host'])] == ['ok'] * 3
    assert [r['result']['uploaded'] for r in sorted(rerun.results_of('Upload the release'), key=lambda r: r['host'])] == [
        True, False, True], 'blog-app-2 kept the release the first run uploaded'


REACTIONS = {
    'module.yml': 'name: reactions\nversion: 1.0.0\nrequires:\n  comments: ">=1.0,<2"\n',
    'files/static/reactions.js': '// reactions 1.0.0\n',
    'migrations/V1__create_reactions.sql': 'CREATE TABLE reactions (id bigserial PRIMARY KEY, emoji text NOT NULL);\n',
    'migrations/U1__create_reactions.sql': 'DROP TABLE reactions;\n',
}


def test_a_halted_first_deploy_is_undone_back_to_nothing(lab_blog):
    lab_blog.write('reactions', REACTIONS)
    before = lab_blog.snapshot(module='reactions', roots=lab_blog.roots)

    run = lab_blog.deploy('reactions', '1.0.0', blog_serial=1, blogops_release_on_host_failure='halt', **REFUSED_ON_HOST_2)

    assert not run.ok
    assert 'the rollout halted: the new release is live on blog-app-1' in report(run)
    assert lab_blog.links('reactions', root_of(lab_blog, 'blog-app-1'))['current'] is not None
    assert 'reactions' in lab_blog.tables()

    # What an AWX survey sends for the empty optional field.
    undo = lab_blog.playbook('rollback', blog_module='reactions', blog_version='')
    assert undo.ok, undo
    after = lab_blog.snapshot(module='reactions', roots=lab_blog.roots)
    for key in ('data', 'columns', 'indexes', 'constraints', 'files'):
        assert after[key] == before[key], key
    for root in lab_blog.roots:
        assert lab_blog.links('reactions', root) == dict(current=None, previous=None)
        assert lab_blog.releases('reactions', root) == []
    assert 'reactions' not in lab_blog.tables()
    assert lab_blog.schema_versions().get('reactions', []) == []
    assert lab_blog.db.query("SELECT * FROM module_version WHERE module_name = 'reactions'") == []
    assert [(h['from_version'], h['to_version'], h['status']) for h in lab_blog.history('reactions')] == [
        (None, '1.0.0', 'halted'), (None, None, 'rolled_back')]
