# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rollback playbook over a history of deploys: repeated rollbacks walk back through them, blog_version
goes straight back to a recorded version, an empty blog_version (an AWX survey's empty field) means unset, a
bad one changes nothing; afterwards the live release, module_version and the schema agree, the status report
and a new backup's sidecar say the schema version in effect, and the history names the AWX user."""

import glob
import json
import os

import pytest

COMMENTS_2 = {
    'migrations/V2__add_likes.sql': 'ALTER TABLE comments ADD COLUMN likes integer NOT NULL DEFAULT 0;\n',
    'migrations/U2__add_likes.sql': 'ALTER TABLE comments DROP COLUMN likes;\n',
    'files/static/comments.js': '// comments 2.0.0\n',
}


def current(blog, module='comments'):
    return blog.links(module)['current']


def recorded(blog, module='comments'):
    return blog.db.query('SELECT version, schema_version FROM module_version WHERE module_name = %s', (module,))


def rollbacks(blog):
    return [(h['from_version'], h['to_version'], h['status']) for h in blog.history('comments')
            if (h['message'] or '').startswith('rollback ')]


@pytest.fixture
def three_deploys(deployed):
    """comments 1.0.0, then 1.1.0, then 2.0.0 deployed; the live release of each version."""
    live = {'1.0.0': current(deployed)}
    deployed.overlay('comments-1.1.0')
    run = deployed.deploy('comments', '1.1.0')
    assert run.ok, run
    live['1.1.0'] = current(deployed)
    deployed.set_version('comments', '2.0.0', requires={'core': '>=1.0,<2'})
    deployed.write('comments', COMMENTS_2)
    run = deployed.deploy('comments', '2.0.0')
    assert run.ok, run
    live['2.0.0'] = current(deployed)
    assert len(set(live.values())) == 3
    deployed.live = live
    return deployed


def status(blog, tmp_path):
    report = tmp_path / 'status.json'
    run = blog.playbook('status', blog_status_json=str(report))
    assert run.ok, run
    return json.loads(report.read_text()), '\n'.join(run.result('Show the report')['msg'])


def assert_agrees(blog, tmp_path, version, schema):
    """The live release, module_version, the schema and the status report all say ``version``."""
    assert current(blog) == blog.live[version]
    assert recorded(blog) == [dict(version=version, schema_version=schema)]
    data, _text = status(blog, tmp_path)
    comments = [row for row in data['modules'] if row['module'] == 'comments'][0]
    assert (comments['version'], comments['schema_version'], comments['drift']) == (version, schema, False)


def test_two_rollbacks_walk_back_through_the_deploys(three_deploys, tmp_path):
    blog = three_deploys
    first = blog.playbook('rollback', blog_module='comments')
    assert first.ok, first
    assert_agrees(blog, tmp_path, '1.1.0', '1.2')
    assert blog.schema_versions()['comments'] == ['1', '1.1', '1.2']

    second = blog.playbook('rollback', blog_module='comments')
    assert second.ok, second
    assert_agrees(blog, tmp_path, '1.0.0', '1')
    assert blog.schema_versions()['comments'] == ['1']
    assert 'likes' not in [c['column_name'] for c in blog.snapshot()['columns']]
    assert rollbacks(blog) == [('2.0.0', '1.1.0', 'rolled_back'), ('1.1.0', '1.0.0', 'rolled_back')]


def test_blog_version_goes_straight_back_two_deploys(three_deploys, tmp_path):
    blog = three_deploys
    run = blog.playbook('rollback', blog_module='comments', blog_version='1.0.0')
    assert run.ok, run
    assert_agrees(blog, tmp_path, '1.0.0', '1')
    assert blog.schema_versions()['comments'] == ['1']
    assert rollbacks(blog) == [('2.0.0', '1.0.0', 'rolled_back')]


def test_blog_version_straight_back_without_undo_scripts_restores_the_oldest_undone_deploys_backup(three_deploys, tmp_path):
    blog = three_deploys
    blog.write('comments', {'migrations/U2__add_likes.sql': None})
    run = blog.playbook('rollback', blog_module='comments', blog_version='1.0.0')
    assert run.ok, run
    assert_agrees(blog, tmp_path, '1.0.0', '1')
    assert blog.schema_versions()['comments'] == ['1']
    backup_of_1_1 = [h['backup'] for h in blog.history('comments') if h['to_version'] == '1.1.0'][0]
    restored = run.result('Restore the backup taken before the deploy, which a script that failed halfway calls for')
    assert restored['changed'] and backup_of_1_1 in json.dumps(restored)


def test_an_empty_blog_version_means_unset(three_deploys, tmp_path):
    run = three_deploys.playbook('rollback', blog_module='comments', blog_version='')
    assert run.ok, run
    assert_agrees(three_deploys, tmp_path, '1.1.0', '1.2')


@pytest.mark.parametrize('version', ['../../etc', '1.0', '1.0.0; DROP TABLE posts'])
def test_a_bad_blog_version_is_refused_and_changes_nothing(three_deploys, version):
    before = three_deploys.state()
    run = three_deploys.playbook('rollback', blog_module='comments', blog_version=version)
    assert not run.ok
    message = ' '.join(r['result'].get('msg', '') for r in run.failed_results())
    assert 'blog_version' in message and repr(version) in message and '1.4.0' in message, message
    assert three_deploys.state() == before


def test_a_version_no_deploy_in_effect_leads_to_is_refused_and_changes_nothing(three_deploys):
    before = three_deploys.state()
    run = three_deploys.playbook('rollback', blog_module='comments', blog_version='1.5.0')
    assert not run.ok
    message = ' '.join(r['result'].get('msg', '') for r in run.failed_results())
    assert '1.5.0' in message and '1.0.0, 1.1.0' in message, message
    assert three_deploys.state() == before


def test_a_pruned_target_release_is_refused_before_anything_changes(three_deploys):
    blog = three_deploys
    target = os.path.join(blog.release_root, 'comments', blog.live['1.0.0'])
    for root, dirs, _files in os.walk(target):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    os.chmod(target, 0o755)
    os.system('rm -rf "%s"' % target)
    before = blog.state()
    run = blog.playbook('rollback', blog_module='comments', blog_version='1.0.0')
    assert not run.ok
    message = ' '.join(r['result'].get('msg', '') for r in run.failed_results())
    assert blog.live['1.0.0'][len('releases/'):] in message and 'localhost' in message and 'Nothing was changed' in message, message
    assert blog.state() == before


def test_undone_migrations_do_not_count_in_the_status_and_a_new_backups_sidecar(deployed, tmp_path):
    deployed.overlay('comments-1.1.0')
    assert deployed.deploy('comments', '1.1.0').ok
    run = deployed.playbook('rollback', blog_module='comments')
    assert run.ok, run
    assert deployed.schema_versions()['comments'] == ['1']

    data, text = status(deployed, tmp_path)
    assert data['database_schema']['module'] == 'comments' and data['database_schema']['version'] == '1'
    assert 'database schema: comments V1 ' in text

    backups = set(glob.glob(os.path.join(deployed.backup_dir, '*.json')))
    taken = deployed.playbook('backup')
    assert taken.ok, taken
    [sidecar] = set(glob.glob(os.path.join(deployed.backup_dir, '*.json'))) - backups
    with open(sidecar) as f:
        content = json.load(f)
    assert (content['schema_version'], content['schema_versions']) == ('1', {'comments': '1', 'core': '1'})


def test_the_rollback_records_the_awx_user_as_actor(deployed):
    deployed.overlay('comments-1.1.0')
    assert deployed.deploy('comments', '1.1.0', awx_user_name='alice').ok
    run = deployed.playbook('rollback', blog_module='comments', awx_user_name='bob')
    assert run.ok, run
    rows = deployed.db.query("SELECT to_version, actor, message FROM module_version_history WHERE module_name = "
                             "'comments' ORDER BY id")
    assert [(r['to_version'], r['actor']) for r in rows[-2:]] == [('1.1.0', 'alice'), ('1.0.0', 'bob')]
    assert deployed.db.query("SELECT updated_by FROM module_version WHERE module_name = 'comments'") == [
        dict(updated_by='bob')]


def test_the_deploy_refuses_a_bad_blog_version_and_changes_nothing(deployed):
    before = deployed.state()
    run = deployed.deploy('comments', '../../etc')
    assert not run.ok
    message = ' '.join(r['result'].get('msg', '') for r in run.failed_results())
    assert "blog_version must be a semantic version" in message and "'../../etc'" in message, message
    assert [r['task'] for r in run.failed_results()] == ['Refuse a blog_version that is not a semantic version']
    assert deployed.state() == before
