# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's decisions: the failed checks gathered from its reads, the state to return to, and whether a deploy
has anything to do."""

import copy

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.database_host import database_host
from ansible_collections.blogops.release.plugins.plugin_utils.deploy_needed import deploy_needed
from ansible_collections.blogops.release.plugins.plugin_utils.preflight_checkpoint import state_to_return_to
from ansible_collections.blogops.release.plugins.plugin_utils.preflight_problems import (
    GATHER,
    left_to_recover,
    preflight_problems,
)

MODULE = dict(name='comments', version='1.1.0', requires={'core': '>=1.0,<2'}, checksum='sha256:1fc9fd2a',
              release_id='1.1.0-1fc9fd2a', schema_version='1.2', migrations_path='/src/modules/comments/migrations')
SOURCE = dict(changed=False, module=MODULE)
CORE = dict(module_name='core', version='1.0.0', dependencies={})
RUNNING = dict(id=7, module_name='comments', from_version='1.0.0', to_version='1.1.0', actor='alice',
               started_at='2026-11-24T10:00:00+00:00', message='step: migrate', controller=None)
DATABASE = dict(changed=False, connected=True, errors={}, installed=dict(core=CORE), in_progress=[],
                schema_version=dict(module_name='comments', version='1'),
                migrations=dict(pending=[], schema_version_before='1', schema_version_after='1.2'),
                lint=dict(errors=[], warnings_found=[], findings=[]),
                backup_dir=dict(path='/var/backups/blog', problems=[]))
HOST = dict(changed=False, problems=[], releases=dict(current=dict(id='1.0.0-0a1b2c3d'), previous=None, releases=[]))
UNREACHABLE = dict(unreachable=True, changed=False, msg='Failed to connect to the host via ssh: Connection refused')
RUNNING_TEXT = ('deploy in progress: deploy of comments 1.0.0 -> 1.1.0 by alice started 2026-11-24T10:00:00+00:00 '
                '(history id 7, last step: step: migrate; controller unknown)')


def changed(base, **changes):
    """A deep copy of ``base`` with ``changes``; a key ``errors`` adds to the errors."""
    result = copy.deepcopy(base)
    result['errors'] = dict(result['errors'], **changes.pop('errors')) if 'errors' in changes else result.get('errors')
    result.update(changes)
    return result


def problems(source, database, hosts=None):
    return preflight_problems('comments', source, database, dict(web1=HOST) if hosts is None else hosts, 'db1')


@pytest.mark.parametrize('source, database, hosts, expected', [
    (SOURCE, DATABASE, None, []),
    # The source: every problem blog_source listed, or its message.
    (dict(failed=True, problems=['module.yml line 2: a', 'files is a symlink'], msg='2 problem(s)'), DATABASE, None,
     ['source: module.yml line 2: a', 'source: files is a symlink']),
    (dict(failed=True, msg='cannot read the blog module source /src'), DATABASE, None,
     ['source: cannot read the blog module source /src']),
    # The database host unreachable: the database and the backup directory unchecked.
    (SOURCE, UNREACHABLE, None, ['database: ' + UNREACHABLE['msg'], 'database host db1: ' + UNREACHABLE['msg']]),
    (SOURCE, dict(failed=True, msg="invalid blog module name 'Bad'"), None,
     ["database: invalid blog module name 'Bad'"]),
    # No connection: the backup directory still checked.
    (SOURCE, dict(changed=False, connected=False, errors=dict(connection='cannot connect to PostgreSQL database ...'),
                  backup_dir=dict(problems=['/var/backups/blog has 3 MB free, needs at least 100 MB'])), None,
     ['database: cannot connect to PostgreSQL database ...',
      'database host db1: /var/backups/blog has 3 MB free, needs at least 100 MB']),
    # A read that failed: what depends on it is not judged.
    (SOURCE, changed(DATABASE, errors=dict(installed='cannot read blog module versions: boom'), installed=None,
                     in_progress=[RUNNING]),
     None, ['database: cannot read blog module versions: boom']),
    (SOURCE, changed(DATABASE, errors=dict(schema='cannot read schema versions: boom')), None,
     ['database: cannot read schema versions: boom']),
    # Dependencies both ways, against what is installed.
    (SOURCE, changed(DATABASE, installed={}), None,
     ['dependencies: comments 1.1.0 needs core >=1.0,<2, which is not installed']),
    (SOURCE, changed(DATABASE, installed=dict(core=CORE, search=dict(version='1.0.0', dependencies=dict(comments='^1.0')),
                                              other=dict(version='2.0.0', dependencies=dict(comments='>=2')))), None,
     ['dependencies: installed other 2.0.0 needs comments >=2, which comments 1.1.0 does not satisfy']),
    (dict(failed=True, problems=['x']), changed(DATABASE, installed={}), None, ['source: x']),
    (SOURCE, changed(DATABASE, errors=dict(migrations='V1.1__empty.sql: empty script')), None,
     ['migrations: V1.1__empty.sql: empty script']),
    # The lint: each error finding on its own, or why it could not run; warnings are not problems.
    (SOURCE, changed(DATABASE, lint=dict(errors=['V1.3 line 1: DROP COLUMN', 'V1.4 line 2: CREATE INDEX'],
                                         warnings_found=['V1.5: a warning'])), None,
     ['lint: V1.3 line 1: DROP COLUMN', 'lint: V1.4 line 2: CREATE INDEX']),
    (SOURCE, changed(DATABASE, errors=dict(lint='cannot read the catalog: boom'), lint=None), None,
     ['lint: cannot read the catalog: boom']),
    # Deploys in progress: of this blog module only.
    (SOURCE, changed(DATABASE, in_progress=[RUNNING, dict(RUNNING, module_name='core')]), None, [RUNNING_TEXT]),
    (SOURCE, changed(DATABASE, backup_dir=dict(problems=['/var/backups/blog is not writable (/var): EROFS'])), None,
     ['database host db1: /var/backups/blog is not writable (/var): EROFS']),
    (SOURCE, changed(DATABASE, errors=dict(backup_dir='cannot check /var/backups/blog: EIO'), backup_dir=None), None,
     ['database host db1: cannot check /var/backups/blog: EIO']),
    # App hosts, in the play's order, each problem naming its host.
    (SOURCE, DATABASE, dict(web1=changed(HOST, problems=['/srv/blog is not writable', 'environment variable X is not set']),
                            web2=HOST, web3=UNREACHABLE, web4=dict(failed=True, msg="invalid blog module name 'B'")),
     ['web1: /srv/blog is not writable', 'web1: environment variable X is not set',
      'web3: unreachable: ' + UNREACHABLE['msg'], "web4: invalid blog module name 'B'"]),
    (SOURCE, DATABASE, {}, []),
], ids=['nothing', 'source problems', 'source message', 'database host unreachable', 'database read failed',
        'no connection', 'installed unreadable', 'schema unreadable', 'dependency not installed',
        'installed needs otherwise', 'no dependencies without the source', 'migrations', 'lint findings', 'lint failed',
        'deploy in progress', 'backup directory', 'backup directory unreadable', 'app hosts', 'no app host'])
def test_preflight_gathers_every_failed_check(source, database, hosts, expected):
    assert problems(source, database, hosts) == expected


def test_problems_come_in_a_fixed_order_whatever_failed():
    everything = problems(
        dict(failed=True, problems=['s']),
        changed(DATABASE, errors=dict(connection='c', installed='i', schema='v', migrations='m', lint='l',
                                      backup_dir='b'), in_progress=[RUNNING], lint=None),
        dict(web1=changed(HOST, problems=['h'])))
    assert everything == ['source: s', 'database: c', 'database: i', 'database: v', 'migrations: m', 'lint: l',
                          RUNNING_TEXT, 'database host db1: b', 'web1: h']


DRIFT = ['column public.posts.x: added (text)', 'index public.posts_slug: dropped']
DRIFT_TEXT = ('schema drift (changed outside a deploy; undo it, or allow it with blog_allow_drift): '
              'column public.posts.x: added (text); index public.posts_slug: dropped')


@pytest.mark.parametrize('database, expected', [
    # No snapshot yet, or none read (drift=false, or a database of an earlier release's read): nothing to judge.
    (changed(DATABASE, schema_drift=dict(compared=False, allowed=False, messages=[])), []),
    (DATABASE, []),
    (changed(DATABASE, schema_drift=dict(compared=True, allowed=False, messages=[])), []),
    # Every difference in one problem; allowed, none (the read warned of each).
    (changed(DATABASE, schema_drift=dict(compared=True, allowed=False, messages=DRIFT)), [DRIFT_TEXT]),
    (changed(DATABASE, schema_drift=dict(compared=True, allowed=True, messages=DRIFT)), []),
    (changed(DATABASE, errors=dict(schema_drift='cannot compare the schema with its snapshot: boom')),
     ['schema drift: cannot compare the schema with its snapshot: boom']),
    # Between the deploys in progress and the backup directory.
    (changed(DATABASE, schema_drift=dict(compared=True, allowed=False, messages=DRIFT[:1]), in_progress=[RUNNING],
             errors=dict(backup_dir='b')),
     [RUNNING_TEXT, 'schema drift (changed outside a deploy; undo it, or allow it with blog_allow_drift): '
      + DRIFT[0], 'database host db1: b']),
    # Unreachable: the database problem only.
    (UNREACHABLE, ['database: ' + UNREACHABLE['msg'], 'database host db1: ' + UNREACHABLE['msg']]),
], ids=['no snapshot', 'not read', 'no drift', 'drift', 'drift allowed', 'compare failed', 'order', 'unreachable'])
def test_schema_drift_is_one_problem_unless_allowed(database, expected):
    assert problems(SOURCE, database) == expected


def test_a_check_added_to_the_gathering_reports_after_the_others():
    def drift_problems(results):
        return ['schema drift: %s' % d for d in (results.database_read() or {}).get('drift', [])]
    database = changed(DATABASE, drift=['table posts: column slug is text, the snapshot says varchar(80)'])
    assert preflight_problems('comments', SOURCE, database, dict(web1=HOST), 'db1', GATHER + [drift_problems]) == [
        'schema drift: table posts: column slug is text, the snapshot says varchar(80)']


@pytest.mark.parametrize('database, host, expected', [
    (DATABASE, HOST, dict(database=dict(module_version=None, schema_version='1', installed=dict(core=CORE)),
                          checkpoint=dict(current='1.0.0-0a1b2c3d', previous=None))),
    (changed(DATABASE, installed=dict(core=CORE, comments=dict(version='1.0.0')), schema_version=None),
     changed(HOST, releases=dict(current=dict(id='1.0.0-0a1b2c3d'), previous=dict(id='0.9.0-00000000'))),
     dict(database=dict(module_version=dict(version='1.0.0'), schema_version=None,
                        installed=dict(core=CORE, comments=dict(version='1.0.0'))),
          checkpoint=dict(current='1.0.0-0a1b2c3d', previous='0.9.0-00000000'))),
    # A first deploy: no tracking tables, nothing live.
    (changed(DATABASE, installed={}, schema_version=None), changed(HOST, releases=dict(current=None, previous=None)),
     dict(database=dict(module_version=None, schema_version=None, installed={}),
          checkpoint=dict(current=None, previous=None))),
], ids=['upgrade', 'previous release', 'first deploy'])
def test_the_state_to_return_to(database, host, expected):
    state = state_to_return_to('comments', SOURCE, database, host)
    assert state['source'] == MODULE
    assert state['releases'] == host['releases']
    assert dict(database=state['database'], checkpoint=state['checkpoint']) == expected


RECORDED = dict(database=dict(module_version=dict(version='1.1.0', checksum='sha256:1fc9fd2a'), schema_version='1.2'))
LIVE = dict(current='1.1.0-1fc9fd2a', previous='1.0.0-0a1b2c3d')


@pytest.mark.parametrize('database, checkpoints, expected', [
    (RECORDED['database'], [LIVE, LIVE], False),
    (RECORDED['database'], [LIVE, dict(LIVE, current='1.0.0-0a1b2c3d')], True),    # one host behind
    (RECORDED['database'], [LIVE, dict(current=None, previous=None)], True),       # a new host
    (RECORDED['database'], [], True),
    (dict(module_version=dict(version='1.1.0', checksum='sha256:00000000'), schema_version='1.2'), [LIVE], True),
    (dict(module_version=dict(version='1.0.0', checksum='sha256:1fc9fd2a'), schema_version='1.2'), [LIVE], True),
    (dict(module_version=dict(version='1.1.0', checksum='sha256:1fc9fd2a'), schema_version='1.1'), [LIVE], True),
    (dict(module_version=None, schema_version=None), [LIVE], True),                # not recorded
    (None, [LIVE], True),
], ids=['done everywhere', 'one host behind', 'new host', 'no host', 'other checksum', 'other version',
        'schema behind', 'not recorded', 'nothing read'])
def test_whether_there_is_anything_to_deploy(database, checkpoints, expected):
    assert deploy_needed(MODULE, database, checkpoints) is expected


def test_a_release_without_migrations_matches_a_schema_without_a_version():
    source = dict(MODULE, schema_version=None)
    database = dict(module_version=dict(version='1.1.0', checksum='sha256:1fc9fd2a'), schema_version=None)
    assert deploy_needed(source, database, [LIVE]) is False


@pytest.mark.parametrize('groups, expected', [
    (dict(all=['web1', 'db1'], blog_db=['db1', 'db2']), 'db1'),
    (dict(all=['web1'], blog_db=[]), 'web1'),
    (dict(all=['web1']), 'web1'),
    (None, 'web1'),
], ids=['first of blog_db', 'empty group', 'no group', 'no inventory groups'])
def test_the_database_host(groups, expected):
    assert database_host(groups, 'web1') == expected


DEAD_RUN = dict(RUNNING, sessions=[], run_state='dead', run_reason='its ansible-playbook process is gone')
OTHER_MODULE = dict(DEAD_RUN, id=8, module_name='core')


@pytest.mark.parametrize('database, open_deploys, expected', [
    (changed(DATABASE, in_progress=[DEAD_RUN]), 'report', [DEAD_RUN]),
    (changed(DATABASE, in_progress=[dict(DEAD_RUN, run_state='alive')]), 'report', [dict(DEAD_RUN, run_state='alive')]),
    (changed(DATABASE, in_progress=[DEAD_RUN]), 'refuse', []),
    (DATABASE, 'report', []),
    (changed(DATABASE, in_progress=[OTHER_MODULE]), 'report', []),
    # The read did not run, or could not read the history: its failure is a problem, there is nothing to hand over.
    (UNREACHABLE, 'report', []),
    (dict(failed=True, msg="invalid blog module name 'Bad'"), 'report', []),
    (dict(changed=False, connected=False, errors=dict(connection='cannot connect')), 'report', []),
    (dict(changed(DATABASE, errors=dict(installed='cannot read blog module versions: denied')), installed=None,
          in_progress=None), 'report', []),
    (None, 'report', []),
], ids=['dead run reported', 'live run reported too (the recover role refuses it)', 'refused', 'none open',
        'another module', 'unreachable', 'failed', 'not connected', 'history unreadable', 'nothing read'])
def test_the_open_deploys_preflight_leaves_to_the_recover_role(database, open_deploys, expected):
    assert left_to_recover('comments', database, open_deploys) == expected


def test_an_open_deploy_left_to_the_recover_role_is_no_problem_only_when_reported():
    # With refuse, the same read is a problem (the gathering runs); with report, the role stops before gathering.
    database = changed(DATABASE, in_progress=[DEAD_RUN])
    assert problems(SOURCE, database) == [RUNNING_TEXT]
    assert left_to_recover('comments', database, 'report') and not left_to_recover('comments', database, 'refuse')


def test_what_preflight_does_with_an_open_deploy_is_refuse_or_report():
    with pytest.raises(ValueError, match="open_deploys is 'ignore'; allowed: refuse, report"):
        left_to_recover('comments', DATABASE, 'ignore')
