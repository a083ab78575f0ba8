# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.rollout import (
    batch_stops_rollout,
    deploy_failure,
    decide_outcome,
    deploy_report,
    failures,
    host_outcomes,
    percentage,
    rollout_summary,
    task_failure,
)

UNREACHABLE = dict(unreachable=True, changed=False,
                   msg='Task failed: Data could not be sent to remote host "127.0.0.12". ssh: connect to host '
                       '127.0.0.12 port 2222: Connection refused')


def test_task_failure_tells_failed_unreachable_and_fine_results_apart():
    assert task_failure(dict(changed=True)) is None
    assert task_failure(dict(skipped=True, changed=False)) is None
    assert task_failure(None) is None
    assert task_failure('not a result') is None
    assert task_failure(dict(failed=True, msg='mkdir: Read-only\n  file system')) == dict(
        unreachable=False, msg='mkdir: Read-only file system')
    assert task_failure(dict(failed=True, stderr='boom')) == dict(unreachable=False, msg='boom')
    assert task_failure(dict(failed=True)) == dict(unreachable=False, msg='unknown cause')
    assert task_failure(UNREACHABLE)['unreachable'] is True
    assert 'Connection refused' in task_failure(UNREACHABLE)['msg']


def test_failures_keep_the_host_order_and_describe_each_host():
    found = failures([('blog-app-1', dict(changed=True)), ('blog-app-2', dict(failed=True, msg='EROFS')),
                      ('blog-app-3', UNREACHABLE), ('blog-app-4', None)])
    assert [f['host'] for f in found] == ['blog-app-2', 'blog-app-3']
    assert found[0]['text'] == 'on blog-app-2: EROFS'
    assert found[1]['text'].startswith('on blog-app-3 (unreachable): Task failed')


def test_deploy_failure_names_the_step_and_every_failed_place():
    found = failures([('blog-app-2', dict(failed=True, msg='EROFS')), ('blog-app-3', dict(failed=True, msg='EIO'))])
    assert deploy_failure('comments', '1.1.0', 'upload', found) == (
        'deploy of comments 1.1.0 failed at upload on blog-app-2: EROFS; on blog-app-3: EIO')
    assert deploy_failure('core', '2.0.0', 'migrate', ['on database host db1: lock timeout']) == (
        'deploy of core 2.0.0 failed at migrate on database host db1: lock timeout')


@pytest.mark.parametrize('failed, size, allowed, stops', [
    (0, 3, 0, False),
    (1, 3, 0, True),      # the default: the first failed host stops the rollout
    (1, 1, 0, True),
    (1, 3, 34, False),    # 33 % of the batch failed, 34 % allowed
    (1, 3, 33, True),     # as Ansible: more than the percentage stops
    (2, 4, 50, False),
    (3, 4, 50, True),
    (4, 4, 100, False),   # 100 never stops
    (1, 0, 0, False),
])
def test_a_batch_stops_the_rollout_past_max_fail_percentage(failed, size, allowed, stops):
    assert batch_stops_rollout(failed, size, allowed) is stops


def test_percentages_from_extra_vars():
    assert percentage('30') == 30 and percentage('30%') == 30 and percentage(12.5) == 12.5
    for bad in ('-1', '101', 'half', None):
        with pytest.raises(ValueError):
            percentage(bad)


def state(rollout, reverted=True):
    return dict(rollout=rollout, reverted=reverted)


def test_host_outcomes_of_each_deploy_outcome():
    hosts = {'a': state('switched'), 'b': state('failed'), 'c': state('skipped'), 'd': state('unreachable')}
    assert host_outcomes('deployed', hosts) == dict(a='deployed', b='failed', c='not_switched', d='unreachable')
    assert host_outcomes('halted', hosts) == dict(a='switched', b='failed', c='not_switched', d='unreachable')
    assert host_outcomes('rolled_back', hosts) == dict(a='rolled_back', b='failed', c='rolled_back',
                                                       d='unreachable')
    assert host_outcomes('failed', {'a': state('pending')}) == dict(a='failed')
    assert host_outcomes('unchanged', {'a': state('live')}) == dict(a='unchanged')
    # A host the rollback could not reach is not rolled back, whatever the rollout did there.
    assert host_outcomes('rolled_back', {'a': state('switched', reverted=False)}) == dict(a='unreachable')


def test_reports_say_what_failed_what_was_done_and_what_is_left():
    failure = 'deploy of comments 1.1.0 failed at verify on blog-app-2: Connection refused'
    rolled_back = deploy_report(dict(a='rolled_back', b='rolled_back'), 'rolled_back', failure)
    assert rolled_back == failure + '; everything was rolled back'

    halted = deploy_report({'blog-app-1': 'switched', 'blog-app-2': 'failed', 'blog-app-3': 'not_switched'}, 'halted',
                           failure, recorded_version='1.0.0')
    assert halted.startswith(failure + '; the rollout halted: the new release is live on blog-app-1; '
                                       'blog-app-2, blog-app-3 keep their release;')
    assert 'module_version still records 1.0.0' in halted and 're-run the deploy' in halted

    gone = deploy_report({'blog-app-1': 'rolled_back', 'blog-app-2': 'unreachable'}, 'rolled_back', failure)
    assert 'everything was rolled back except on blog-app-2' in gone
    assert gone.endswith('blog-app-2 could not be reached: when it is back, check it and re-run the deploy')

    partial = deploy_report({'a': 'deployed', 'b': 'failed'}, 'deployed', host_failures={'b': 'on b: EROFS'})
    assert partial == 'deployed; except on b, which stays on its release: on b: EROFS'
    assert deploy_report({'a': 'deployed'}, 'deployed') == 'deployed'
    assert deploy_report({'a': 'unchanged'}, 'unchanged') == 'unchanged'

    both = deploy_report({'a': 'failed'}, 'failed', failure, rollback_failure='at Run the undo scripts: no U1.2')
    assert both == failure + '; THE ROLLBACK FAILED TOO, at Run the undo scripts: no U1.2; check the hosts and the ' \
                             'database by hand'


def test_reports_agree_in_number_and_do_not_double_the_punctuation():
    failure = 'deploy of comments 1.1.0 failed at migrate on database host db1: check constraint is violated by some row.'
    rolled_back = deploy_report({'a': 'rolled_back'}, 'rolled_back', failure)
    assert rolled_back == failure[:-1] + '; everything was rolled back'
    # An ellipsis is not a full stop.
    assert deploy_report({'a': 'rolled_back'}, 'rolled_back', 'cut short...') == 'cut short...; everything was rolled back'

    one = deploy_report({'blog-app-1': 'switched', 'blog-app-2': 'failed'}, 'halted', failure)
    assert '; blog-app-2 keeps its release;' in one and '.;' not in one
    several = deploy_report({'blog-app-1': 'switched', 'blog-app-2': 'failed', 'blog-app-3': 'not_switched'}, 'halted', failure)
    assert '; blog-app-2, blog-app-3 keep their release;' in several

    assert deploy_report({'a': 'deployed', 'b': 'failed'}, 'deployed', host_failures={'b': 'on b: EROFS.'}) == \
        'deployed; except on b, which stays on its release: on b: EROFS'
    assert deploy_report({'a': 'deployed', 'b': 'failed', 'c': 'failed'}, 'deployed').startswith(
        'deployed; except on b, c, which stay on their release: ')

    places = deploy_failure('comments', '1.1.0', 'upload', [dict(text='on a: disk full.'), dict(text='on b: gone.')])
    assert places == 'deploy of comments 1.1.0 failed at upload on a: disk full; on b: gone'


def test_a_check_run_reports_what_a_run_would_do():
    hosts = {'a': state('switched'), 'b': state('unreachable')}
    assert host_outcomes('would_deploy', hosts) == dict(a='would_deploy', b='unreachable')
    assert deploy_report({'a': 'would_deploy'}, 'would_deploy') == 'would deploy (check mode: nothing was changed)'


FAILED_HOSTS = [('on b: Connection refused', 'verify'), ('on c (unreachable): ssh: timeout', 'switch')]


@pytest.mark.parametrize('failure, failed_step, stopped, policy, hosts, expected', [
    ('', '', False, 'rollback_all', [], dict(failure='', failed_step='', halted=False)),
    ('', '', False, 'halt', FAILED_HOSTS[:1], dict(failure='', failed_step='', halted=False)),
    ('deploy of core 1.1.0 failed at migrate: boom', 'migrate', False, 'halt', [],
     dict(failure='deploy of core 1.1.0 failed at migrate: boom', failed_step='migrate', halted=False)),
    ('deploy of core 1.1.0 failed at upload on b: EROFS', 'upload', True, 'halt', FAILED_HOSTS,
     dict(failure='deploy of core 1.1.0 failed at upload on b: EROFS', failed_step='upload', halted=False)),
    ('', '', True, 'rollback_all', FAILED_HOSTS,
     dict(failure='deploy of core 1.1.0 failed at verify on b: Connection refused; on c (unreachable): ssh: timeout',
          failed_step='verify', halted=False)),
    ('', '', True, 'halt', FAILED_HOSTS[1:],
     dict(failure='deploy of core 1.1.0 failed at switch on c (unreachable): ssh: timeout', failed_step='switch',
          halted=True)),
    ('', '', True, 'halt', [], dict(failure='deploy of core 1.1.0 failed at switch on an unknown host: unknown cause',
                                    failed_step='switch', halted=True)),
])
def test_rollout_summary(failure, failed_step, stopped, policy, hosts, expected):
    assert rollout_summary(failure, failed_step, stopped, policy, hosts, 'core', '1.1.0') == expected


@pytest.mark.parametrize('halted, failure, needed, check_mode, expected', [
    (True, 'deploy of core failed', True, False, 'halted'),
    (False, 'deploy of core failed', True, False, 'failed'),
    (False, 'deploy of core failed', False, True, 'failed'),
    (False, '', False, False, 'unchanged'),
    (False, '', False, True, 'unchanged'),
    (False, '', True, True, 'would_deploy'),
    (False, '', True, False, 'deployed'),
])
def test_deploy_outcome(halted, failure, needed, check_mode, expected):
    assert decide_outcome(halted, failure, needed, check_mode) == expected
