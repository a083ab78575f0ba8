# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.rollback_plan import (
    RollbackRefused,
    deploys_in_effect,
    host_links,
    rollback_plan,
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
