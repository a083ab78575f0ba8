# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.rollback_plan import (
    ROLLBACK_NOTE,
    RollbackRefused,
    after_deploy,
    deploys_in_effect,
    host_links,
    rollback_plan,
    run_plan,
    state_before,
)

HALTED = 'deploy of comments 2.0.0 failed at verify on web2: refused; the rollout halted: the new release is live on web1'


def deploy(row_id, from_version, to_version, status='deployed', message=None):
    return dict(id=row_id, status=status, from_version=from_version, to_version=to_version,
                backup='/b/%d.dump' % row_id, message=message,
                checkpoint=dict(release=dict(id='%s-%08d' % (to_version, row_id)),
                                links=dict(web1=dict(current='%s-%08d' % (from_version, row_id - 1) if from_version else None,
                                                     previous=None)),
                                module_version=dict(version=from_version) if from_version else None,
                                schema_version=from_version))


def rollback(row_id, from_version, to_version, status='rolled_back'):
    return dict(id=row_id, status=status, from_version=from_version, to_version=to_version, backup=None,
                message='rollback of comments %s to %s' % (from_version, to_version), checkpoint=None)


D1, D2, D3 = deploy(1, None, '1.0.0'), deploy(2, '1.0.0', '1.1.0'), deploy(3, '1.1.0', '2.0.0')


def newest_first(*rows):
    return sorted(rows, key=lambda r: -r['id'])


@pytest.mark.parametrize('rows, expected', [
    # (history, ids of the deploys in effect, oldest first)
    ([], []),
    ([D1, D2, D3], [1, 2, 3]),
    # A deploy its rescue rolled back, or that failed without a change, never was in effect.
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'rolled_back')], [1, 2]),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'failed', 'deploy of comments 2.0.0 failed at upload')], [1, 2]),
    # A halted deploy is in effect (it left the release on some hosts and the schema migrated).
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'failed', HALTED)], [1, 2, 3]),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'halted', 'the rollout halted on web1')], [1, 2, 3]),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'halted')], [1, 2, 3]),
    # Two rollbacks in a row: each pops down to the version it went back to.
    ([D1, D2, D3, rollback(4, '2.0.0', '1.1.0')], [1, 2]),
    ([D1, D2, D3, rollback(4, '2.0.0', '1.1.0'), rollback(5, '1.1.0', '1.0.0')], [1]),
    # Straight back two deploys.
    ([D1, D2, D3, rollback(4, '2.0.0', '1.0.0')], [1]),
    # A failed rollback undid nothing it could be sure of.
    ([D1, D2, D3, rollback(4, '2.0.0', '1.1.0', 'failed')], [1, 2, 3]),
    # Back to nothing, then deployed again.
    ([D1, rollback(2, '1.0.0', None), deploy(3, None, '1.0.0')], [3]),
    # A downgrade deploy, then its rollback.
    ([D1, D2, deploy(3, '1.1.0', '1.0.0'), rollback(4, '1.0.0', '1.1.0')], [1, 2]),
    # An open deploy is the recover role's business.
    ([D1, deploy(2, '1.0.0', '1.1.0', 'deploying')], [1]),
])
def test_deploys_in_effect(rows, expected):
    assert [row['id'] for row in deploys_in_effect(newest_first(*rows))] == expected


@pytest.mark.parametrize('rows, requested, undone, to_version, backup, halted', [
    # (history, blog_version, ids undone newest first, version gone back to, backup restorable, halted)
    ([D1, D2, D3], None, [3], '1.1.0', '/b/3.dump', False),
    ([D1, D2, D3], '', [3], '1.1.0', '/b/3.dump', False),
    ([D1, D2, D3], '1.1.0', [3], '1.1.0', '/b/3.dump', False),
    ([D1, D2, D3], '1.0.0', [3, 2], '1.0.0', '/b/2.dump', False),
    ([D1, D2, D3, rollback(4, '2.0.0', '1.1.0')], None, [2], '1.0.0', '/b/2.dump', False),
    # The first deploy undone: back to nothing.
    ([D1], None, [1], None, '/b/1.dump', False),
    ([deploy(1, None, '1.0.0', 'failed', HALTED)], None, [1], None, '/b/1.dump', True),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'failed', HALTED)], None, [3], '1.1.0', '/b/3.dump', True),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'failed', HALTED)], '1.0.0', [3, 2], '1.0.0', '/b/2.dump', True),
    ([D1, D2, deploy(3, '1.1.0', '2.0.0', 'halted')], None, [3], '1.1.0', '/b/3.dump', True),
    # Below the first deploy recorded, to the version it came from.
    ([deploy(5, '0.9.0', '1.0.0'), deploy(6, '1.0.0', '1.1.0')], '0.9.0', [6, 5], '0.9.0', '/b/5.dump', False),
])
def test_rollback_plan(rows, requested, undone, to_version, backup, halted):
    plan = rollback_plan(newest_first(*rows), 'comments', requested)
    assert [row['id'] for row in plan['undo']] == undone
    assert (plan['to_version'], plan['backup'], plan['halted']) == (to_version, backup, halted)
    assert plan['checkpoint'] == plan['undo'][-1]['checkpoint']


@pytest.mark.parametrize('rows, requested, said', [
    ([D1, D2, D3], '../../etc', ["blog_version must be a semantic version", "'../../etc'", 'Nothing was changed']),
    ([D1, D2, D3], '1.0', ["'1.0'", '1.4.0']),
    ([D1, D2, D3], 'x' * 500, ['blog_version', "'xxxx"]),
    ([], None, ['comments has no deploy in effect']),
    ([D1, rollback(2, '1.0.0', None)], None, ['no deploy in effect']),
    ([D1, D2, D3], '2.0.0', ['2.0.0 is the version in effect']),
    ([D1, D2, D3], '1.5.0', ['leads back to 1.5.0', 'go back to: 1.0.0, 1.1.0']),
    ([D1, D2, D3, rollback(4, '2.0.0', '1.1.0')], '1.1.0', ['1.1.0 is the version in effect']),
])
def test_rollback_plan_refusals(rows, requested, said):
    with pytest.raises(RollbackRefused) as error:
        rollback_plan(newest_first(*rows), 'comments', requested)
    for text in said:
        assert text in str(error.value)
    assert len(str(error.value)) < 400


def query(*releases, **links):
    return dict(current=dict(id=links.get('current')) if links.get('current') else None,
                releases=[dict(id=r) for r in releases])


@pytest.mark.parametrize('rows, requested, hosts, expected', [
    # (history, blog_version, each host's query result, where each host goes: (current, previous, discard))
    ([D1, D2, D3], None, dict(web1=query('1.0.0-00000001', '1.1.0-00000002', '2.0.0-00000003')),
     dict(web1=('1.1.0-00000002', None, ''))),
    # Straight back: the links before the oldest deploy undone.
    ([D1, D2, D3], '1.0.0', dict(web1=query('1.0.0-00000001', '1.1.0-00000002', '2.0.0-00000003')),
     dict(web1=('1.0.0-00000001', None, ''))),
    # A host added since: the release the deploy below brought.
    ([D1, D2, D3], None, dict(web1=query('1.1.0-00000002', '2.0.0-00000003'), web9=query('1.1.0-00000002')),
     dict(web1=('1.1.0-00000002', None, ''), web9=('1.1.0-00000002', None, ''))),
    # Back to nothing: no links, the release removed.
    ([D1], None, dict(web1=query('1.0.0-00000001'), web2=query()),
     dict(web1=(None, None, '1.0.0-00000001'), web2=(None, None, ''))),
])
def test_host_links(rows, requested, hosts, expected):
    links = host_links(rollback_plan(newest_first(*rows), 'comments', requested), hosts)
    assert dict((host, (l['current'], l['previous'], l['discard'])) for host, l in links.items()) == expected


def test_a_pruned_release_is_refused_naming_the_host():
    plan = rollback_plan(newest_first(D1, D2, D3), 'comments', '1.0.0')
    with pytest.raises(RollbackRefused) as error:
        host_links(plan, dict(web1=query('1.1.0-00000002', '2.0.0-00000003')))
    assert 'web1 (release 1.0.0-00000001 of version 1.0.0)' in str(error.value)
    assert 'Nothing was changed' in str(error.value)


@pytest.mark.parametrize('case, summary, recovered, check_mode, nothing, outcome', [
    ('run by hand', {}, 'none', False, False, 'rolled_back'),
    ('run by hand, an empty survey value', '', 'none', False, False, 'rolled_back'),
    ('by hand in check mode', None, 'none', True, False, 'would_roll_back'),
    ('after a halted deploy', dict(module='comments', outcome='halted'), 'none', False, False, 'rolled_back'),
    ('after a deploy that rolled itself back', dict(module='comments', outcome='rolled_back'), 'none', False, True,
     'nothing_to_undo'),
    ('after a deploy that changed nothing', dict(module='comments', outcome='failed'), 'none', False, True,
     'nothing_to_undo'),
    ('after a deploy of another blog module', dict(module='core', outcome='rolled_back'), 'none', False, False,
     'rolled_back'),
    ('an unfinished deploy rolled back was all', {}, 'rolled_back', False, False, 'recovered'),
    ('an unfinished deploy closed was all', {}, 'closed', False, False, 'recovered'),
    ('an unfinished deploy finished, then rolled back', {}, 'finished', False, False, 'rolled_back'),
    ('nothing to undo wins over a recovery', dict(module='comments', outcome='failed'), 'closed', False, True,
     'nothing_to_undo'),
])
def test_after_a_deploy_and_what_the_rollback_reports(case, summary, recovered, check_mode, nothing, outcome):
    decided = after_deploy(summary, 'comments', recovered, check_mode)
    assert (decided['nothing_to_undo'], decided['outcome']) == (nothing, outcome), case
    assert bool(decided['message']) is nothing, case


def test_nothing_to_undo_says_why():
    summary = dict(module='comments', to_version='1.1.0', outcome='rolled_back', message='deploy failed at verify')
    assert after_deploy(summary, 'comments')['message'] == (
        'the deploy of comments 1.1.0 ended rolled_back and left nothing to undo: deploy failed at verify')


HOSTS = dict(web1=query('1.0.0-00000001', '1.1.0-00000002', '2.0.0-00000003'))


@pytest.mark.parametrize('case, rows, requested, hosts, with_database, error, read_sidecar', [
    ('a deploy with its checkpoint', [D1, D2, D3], None, HOSTS, True, '', False),
    ('nothing in effect', [], None, HOSTS, True, 'rollback of comments refused: blog module comments has no deploy', False),
    ('a bad version', [D1, D2, D3], '../x', HOSTS, True, 'rollback of comments refused: blog_version must be', False),
    ('a pruned release', [D1, D2, D3], '1.0.0', dict(web1=query('2.0.0-00000003')), True,
     'rollback of comments refused: cannot go back to 1.0.0', False),
    ('no checkpoint: the backup\'s sidecar', [D1, D2, dict(D3, checkpoint=None)], None, HOSTS, True, '', True),
    ('no checkpoint, files only', [D1, D2, dict(D3, checkpoint=None)], None, HOSTS, False, '', False),
    ('no checkpoint and no backup', [D1, D2, dict(D3, checkpoint=None, backup=None)], None, HOSTS, True,
     'rollback of comments refused: no deploy of comments back to 1.1.0 recorded the state before it (no checkpoint, '
     'no backup). Nothing was changed; roll back the files only with -e blog_rollback_database=false', False),
    ('no checkpoint and no backup, files only', [D1, D2, dict(D3, checkpoint=None, backup=None)], None, HOSTS, False,
     '', False),
])
def test_what_the_rollback_playbook_decides_before_changing_anything(case, rows, requested, hosts, with_database, error,
                                                                     read_sidecar):
    decided = run_plan(newest_first(*rows), 'comments', requested, hosts, with_database)
    assert decided['error'].startswith(error) and bool(decided['error']) is bool(error), (case, decided['error'])
    assert decided['read_sidecar'] is read_sidecar, case
    if not decided['error']:
        assert decided['hosts']['web1']['current'] == '1.1.0-00000002'


def test_the_rollbacks_history_note_tells_it_from_a_deploy():
    note = run_plan(newest_first(D1, D2, D3), 'comments', '1.0.0', HOSTS)['note']
    assert note == 'rollback of comments 2.0.0 to 1.0.0, undoing deploy 3, 2'
    assert note.startswith(ROLLBACK_NOTE)
    assert run_plan(newest_first(D1), 'comments', None, dict(web1=query('1.0.0-00000001')))['note'] == (
        'rollback of comments 1.0.0 to nothing, undoing deploy 1')


def sidecar(**versions):
    return dict(sidecar_format=1, name='blog-20261201T120000Z.dump', format='custom', database='blog',
                timestamp='20261201T120000Z', sha256='0' * 64, size=10, schema_version='1', tracking_schema='public',
                schema_versions=versions.get('schema', {}), module_versions=versions.get('modules', {}))


BACKUP = '/var/backups/blog/blog-20261201T120000Z.dump'


@pytest.mark.parametrize('case, plan, content, with_database, expected', [
    ('from the checkpoint', dict(checkpoint=dict(schema_version='1', module_version=dict(version='1.0.0'))), None, True,
     dict(schema_version='1', module_version=dict(version='1.0.0'))),
    ('a checkpoint of a first deploy', dict(checkpoint=dict(schema_version=None, module_version=None)), None, True,
     dict(schema_version='', module_version={})),
    ('from the sidecar', dict(checkpoint=None, backup=BACKUP),
     sidecar(schema=dict(comments='1'), modules=dict(comments=dict(version='1.0.0'))), True,
     dict(schema_version='1', module_version=dict(version='1.0.0'))),
    ('the sidecar has no trace of the blog module', dict(checkpoint=None, backup=BACKUP), sidecar(), True,
     dict(schema_version='', module_version={})),
    ('files only', dict(checkpoint=None, backup=BACKUP), None, False, dict(schema_version='', module_version={})),
])
def test_the_state_the_database_goes_back_to(case, plan, content, with_database, expected):
    assert state_before(plan, content, 'comments', with_database) == expected, case


@pytest.mark.parametrize('content, says', [
    (None, 'does not hold a JSON object'),
    (dict(sidecar(), module_versions=[]), "invalid 'module_versions'"),
    (dict(sidecar(), name='other.dump'), "describes 'other.dump'"),
])
def test_a_sidecar_that_is_not_one_is_refused(content, says):
    from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import InvalidSidecar
    with pytest.raises(InvalidSidecar, match=says):
        state_before(dict(checkpoint=None, backup=BACKUP), content, 'comments')
