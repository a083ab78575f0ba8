# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.dead_deploy import lease, lookup, report, rollback_args


def row(run_state, heartbeat='12:00:00', row_id=42, reason='its process is gone'):
    return dict(id=row_id, module_name='comments', from_version='1.0.0', to_version='1.1.0', actor='alice',
                started_at='2026-12-01T11:59:00', message='step: migrate', controller='ctl1', controller_pid=4242,
                heartbeat_age_s=5, heartbeat_at=heartbeat, run_state=run_state, run_reason=reason,
                backup='/b/42.dump', checkpoint=dict(schema_version='1', module_version=dict(version='1.0.0'),
                                                     release=dict(id='1.1.0-0a1b2c3d')))


def query(*rows):
    return dict(changed=False, in_progress=list(rows))


SKIPPED = dict(skipped=True, changed=False)


@pytest.mark.parametrize('stale_after, expected', [
    (None, 300), ('', 300), (0, 300), ('0', 300), (-5, 300), ('soon', 300), (60, 60), ('3600', 3600),
])
def test_the_lease(stale_after, expected):
    assert lease(stale_after) == expected


@pytest.mark.parametrize('case, found, history_id, wait', [
    ('nothing in progress', query(), 0, False),
    ('a dead run', query(row('dead')), 0, False),
    ('an alive run', query(row('alive')), 0, False),
    ('cannot tell yet', query(row('unknown')), 0, True),
    ('cannot tell, but named for recovery', query(row('unknown')), 42, False),
    ('cannot tell, another row named', query(row('unknown')), '7', True),
])
def test_whether_to_look_again(case, found, history_id, wait):
    assert lookup(found, None, history_id)['wait'] is wait, case


@pytest.mark.parametrize('case, again, settled', [
    ('still unknown, same heartbeat', query(row('unknown')), False),
    ('now dead', query(row('dead')), True),
    ('now alive', query(row('alive')), True),
    ('heartbeat renewed', query(row('unknown', heartbeat='12:00:07')), True),
    ('another row', query(row('unknown', row_id=43)), True),
    ('closed meanwhile', query(), True),
    ('the look failed', dict(failed=True, msg='connection refused'), True),
])
def test_when_the_looks_again_stop(case, again, settled):
    assert lookup(query(row('unknown')), again)['settled'] is settled, case


def test_the_looks_again_cover_one_lease():
    assert lookup(query(), None, 0, 300, 'comments', 5)['looks'] == 62
    assert lookup(query(), None, 0, 0, 'comments', 0)['looks'] == 302


def test_a_run_that_renewed_its_heartbeat_while_waited_for_is_alive_and_refused():
    again = dict(query(row('unknown', heartbeat='12:00:07', reason='its heartbeat is 2 s old')), attempts=3)
    found = lookup(query(row('unknown')), again, 0, 300, 'comments')
    assert found['row']['run_state'] == 'alive'
    assert found['row']['run_reason'] == 'it renewed its heartbeat while this run waited (3 looks): its heartbeat is 2 s old'
    assert found['refusal'].startswith('deploy in progress: deploy of comments 1.0.0 -> 1.1.0 by alice')
    assert '; its run is alive: it renewed its heartbeat while this run waited (3 looks)' in found['refusal']
    assert found['refusal'].endswith('. Nothing was changed. If that run is still going, wait for it; if you know it is '
                                     'dead, recover it with the rollback playbook and -e blog_module=comments '
                                     '-e blog_recover_history_id=42')


@pytest.mark.parametrize('case, first, again, history_id, run_state, refused, says', [
    ('nothing found', query(), SKIPPED, 0, None, False, ''),
    ('dead at once', query(row('dead')), SKIPPED, 0, 'dead', False, ''),
    ('alive at once', query(row('alive', reason='its process runs')), SKIPPED, 0, 'alive', True,
     'its run is alive: its process runs. Nothing'),
    ('unknown after every look', query(row('unknown', reason='a session is open')),
     dict(query(row('unknown', reason='a session is open')), attempts=62), 0, 'unknown', True,
     'its run is alive: a session is open (still so after 62 looks over the 300 s lease). Nothing'),
    ('dead after some looks', query(row('unknown')), query(row('dead')), 0, 'dead', False, ''),
    ('closed meanwhile', query(row('unknown')), query(), 0, None, False, ''),
    ('alive but named for recovery', query(row('alive')), SKIPPED, 42, 'alive', False, ''),
])
def test_the_row_to_recover_and_when_to_refuse(case, first, again, history_id, run_state, refused, says):
    found = lookup(first, again, history_id, None, 'comments')
    assert found['row'].get('run_state') == run_state, case
    assert bool(found['refusal']) is refused and says in found['refusal'], (case, found['refusal'])


PLAN = dict(action='rollback', reason='it died at step migrate, with 1 of 2 host(s) switched to 1.1.0-0a1b2c3d',
            links=dict(web1=dict(current='1.0.0-00000001', previous=None), web2=dict(current=None, previous=None)),
            discard=dict(web1='1.1.0-0a1b2c3d', web2=''))


@pytest.mark.parametrize('case, source, host, scripts', [
    ('the source holds the version the deploy brought', dict(module=dict(version='1.1.0', migrations_path='/src/m')),
     'web1', '/src/m'),
    ('the source moved on: the backup', dict(module=dict(version='1.2.0', migrations_path='/src/m')), 'web1', ''),
    ('no source given', SKIPPED, 'web2', ''),
    ('the source could not be read', dict(failed=True, msg='no module.yml'), 'web1', ''),
    ('a source without migrations', dict(module=dict(version='1.1.0', migrations_path=None)), 'web1', ''),
])
def test_what_the_rollback_of_a_dead_deploy_puts_back(case, source, host, scripts):
    args = rollback_args(PLAN, row('dead'), source, host)
    assert args == dict(links=PLAN['links'][host], discard=PLAN['discard'][host], schema_version='1',
                        migrations_path=scripts, backup='/b/42.dump', module_version=dict(version='1.0.0'),
                        history_id=42), case


def test_a_dead_deploy_without_checkpoint_or_backup_goes_back_to_nothing_recorded():
    bare = dict(row('dead'), checkpoint=None, backup=None)
    args = rollback_args(PLAN, bare, None, 'web2')
    assert (args['schema_version'], args['module_version'], args['backup']) == ('', {}, '')


@pytest.mark.parametrize('action, outcome, status, starts, ends', [
    ('close', 'closed', 'rolled_back', 'closed the unfinished deploy 42 of comments 1.0.0 -> 1.1.0: its process is gone; ',
     '; nothing needed putting back'),
    ('finish', 'finished', 'deployed', 'finished the unfinished deploy 42', '; it is verified and recorded as deployed'),
    ('rollback', 'rolled_back', 'rolled_back', 'rolled back the unfinished deploy 42 of comments 1.0.0 -> 1.1.0',
     '; hosts, schema and module_version are back as they were before it'),
])
def test_what_the_recovery_reports(action, outcome, status, starts, ends):
    done = report(dict(PLAN, action=action, reason='it died at step x'), row('dead'), 'comments')
    assert (done['outcome'], done['status']) == (outcome, status)
    assert done['message'].startswith(starts) and done['message'].endswith('it died at step x' + ends), done['message']


def test_a_first_deploy_reports_none_for_where_it_came_from():
    done = report(dict(PLAN, action='close', reason='r'), dict(row('dead'), from_version=None), 'comments')
    assert 'of comments (none) -> 1.1.0' in done['message']
