# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fault suite: two controllers deploying at once (the same blog module, and two different ones), and a
migration behind live traffic that holds its lock longer than lock_timeout."""

import os

from conftest import Ansible
from faults_env import check_nothing_lost, check_releases_private, history, operator_message, start


def second_controller(blog, tmp_path):
    """The same blog seen from another ansible-playbook process with its own working directory."""
    workdir = tmp_path / 'controller-2'
    os.makedirs(str(workdir))
    blog.ansible = Ansible(workdir, blog.db)
    return blog


def test_two_controllers_deploy_the_same_blog_module(deployed, tmp_path, fault_case):
    case = fault_case.case('two controllers, same blog module', 'two deploys of comments 1.1.0 started at once')
    deployed.overlay('comments-1.1.0')
    before = deployed.state()
    first = start(deployed, 'deploy', blog_module='comments', blog_version='1.1.0')
    runs = [first, start(second_controller(deployed, tmp_path), 'deploy', blog_module='comments', blog_version='1.1.0')]
    results = [run.wait(600) for run in runs]
    winners = [r for r in results if r.ok]
    losers = [r for r in results if not r.ok]
    case.check('exactly one deploy succeeded', len(winners) == 1 and len(losers) == 1, results)
    message = operator_message(losers[0])
    case.check('the other failed naming the deploy in progress',
               'deploy in progress: deploy of comments 1.0.0 -> 1.1.0' in message
               or 'another deploy of comments 1.0.0 -> 1.1.0' in message, message)
    case.check('the loser changed nothing: no step past the preflight ran',
               # The backup's own run opens the deploy: refused there, it dumps nothing (no path).
               not [r for r in losers[0].results if r['status'] != 'skipped' and (
                   (r['task'].endswith('Back up the blog database') and r['result'].get('path'))
                   or r['task'].endswith('Upload the release'))],
               losers[0])
    after = deployed.state()
    case.equal('one new history row, deployed', [(h['to_version'], h['status']) for h in after['tracking']['history'][
        len(before['tracking']['history']):]], [('1.1.0', 'deployed')])
    case.equal('one new backup', len(after['backups']['complete']) - len(before['backups']['complete']), 1)
    case.equal('every row of posts as before', after['rows']['posts'], before['rows']['posts'])
    case.equal('the schema migrated once', [r['version'] for r in after['tracking']['schema_version']
                                            if r['module_name'] == 'comments'], ['1', '1.1', '1.2'])
    files = after['release_files'][deployed.release_root]
    case.check('one new release, live, the old one the rollback target',
               len(files['releases']) == 2 and files['links']['current'].startswith('releases/1.1.0-')
               and files['links']['previous'] == before['release_files'][deployed.release_root]['links']['current'],
               files)
    case.equal('no unfinished backup', after['backups']['leftovers'], [])
    check_releases_private(case, after)
    case.outcome('one deployed; the other failed at preflight: "%s"' % message.split(': ', 1)[-1][:70])


def test_two_controllers_deploy_different_blog_modules(deployed, tmp_path, fault_case):
    case = fault_case.case('two controllers, different blog modules', 'core 1.1.0 and comments 1.1.0 started at once')
    deployed.overlay('comments-1.1.0')
    deployed.set_version('core', '1.1.0')
    deployed.write('core', {'migrations/V1.1__add_subtitle.sql': "ALTER TABLE posts ADD COLUMN subtitle text NOT NULL "
                                                                 "DEFAULT '';\n",
                            'migrations/U1.1__add_subtitle.sql': 'ALTER TABLE posts DROP COLUMN subtitle;\n'})
    before = deployed.state()
    core = start(deployed, 'deploy', blog_module='core', blog_version='1.1.0')
    comments = start(second_controller(deployed, tmp_path), 'deploy', blog_module='comments', blog_version='1.1.0')
    results = [core.wait(600), comments.wait(600)]
    case.check('both deploys succeeded', all(r.ok for r in results), results)
    after = deployed.state()
    case.equal('both recorded', sorted((r['module_name'], r['version']) for r in after['tracking']['module_version']),
               [('comments', '1.1.0'), ('core', '1.1.0')])
    case.equal('both schemas migrated', after['schema_versions'], {'core': ['1', '1.1'], 'comments': ['1', '1.1', '1.2']})
    case.equal('posts kept every row', [dict((k, v) for k, v in r.items() if k != 'subtitle') for r in after['rows']['posts']],
               before['rows']['posts'])
    case.equal('comments kept every row', [dict((k, v) for k, v in r.items() if k != 'author')
                                           for r in after['rows']['comments']], before['rows']['comments'])
    case.equal('two backups taken, each complete', len(after['backups']['complete']) - len(before['backups']['complete']), 2)
    case.equal('no unfinished backup', after['backups']['leftovers'], [])
    case.check('each history row deployed', all(h['status'] == 'deployed' for h in history(deployed, 'core')[-1:]
                                                + history(deployed, 'comments')[-1:]))
    case.outcome('both deployed')


def test_a_migration_behind_live_traffic_gives_up_at_lock_timeout(deployed, pg_server, fault_case):
    case = fault_case.case('migration behind live traffic', 'a transaction that read comments stays open; '
                                                            'lock_timeout 1s')
    deployed.overlay('comments-1.1.0')
    before = deployed.state()
    reader = pg_server.connect(deployed.db.name, autocommit=False)
    try:
        reader.cursor().execute('SELECT * FROM comments')
        run = deployed.deploy('comments', '1.1.0', deploy_migrate_lock_timeout='1s')
        case.check('live traffic kept its transaction', reader.get_transaction_status() != 0)
    finally:
        reader.rollback()
        reader.close()
    message = operator_message(run)
    case.check('the deploy failed at the migration on the lock timeout',
               not run.ok and 'failed at migrate' in message and 'canceling statement due to lock timeout' in message,
               message)
    migrated = run.result("Migrate the blog module's schema")
    case.check('it gave up fast (under 10 s)', migrated['duration_ms'] < 10000, migrated.get('duration_ms'))
    after = deployed.state()
    check_nothing_lost(case, before, after, history_added=1)
    case.equal('the history says rolled back', history(deployed)[-1]['status'], 'rolled_back')
    case.outcome('failed at migrate after about %d ms, nothing applied; row rolled_back' % migrated['duration_ms'])
