# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from ansible_collections.blogops.release.plugins.plugin_utils.deploy_recovery import build_checkpoint, recovery_plan

SOURCE = dict(release_id='1.1.0-abcdef12', version='1.1.0', checksum='sha256:' + 'ab' * 32, schema_version='1.2')
OLD_ROW = dict(module_name='comments', version='1.0.0', checksum='sha256:' + 'cd' * 32, schema_version='1',
               dependencies={})
NEW_ROW = dict(OLD_ROW, version='1.1.0', checksum=SOURCE['checksum'], schema_version='1.2')


def hosts(*currents):
    return dict(('app%d' % i, dict(current=dict(id=c) if c else None, previous=None,
                                   releases=[dict(id=c)] if c else []))
                for i, c in enumerate(currents, 1))


def checkpoint():
    return build_checkpoint(SOURCE, dict(module_version=OLD_ROW, schema_version='1'),
                            hosts('1.0.0-00000000', '1.0.0-00000000'))


def links(*currents):
    return dict(('app%d' % i, dict(current=c, previous=None)) for i, c in enumerate(currents, 1))


def test_the_checkpoint_names_the_release_the_links_and_the_row_to_return_to():
    point = build_checkpoint(SOURCE, dict(module_version=OLD_ROW, schema_version='1'),
                             hosts('1.0.0-00000000', '1.1.0-abcdef12'))
    assert point['release'] == dict(id='1.1.0-abcdef12', version='1.1.0', checksum=SOURCE['checksum'],
                                    schema_version='1.2')
    assert point['links'] == dict(app1=dict(current='1.0.0-00000000', previous=None),
                                  app2=dict(current='1.1.0-abcdef12', previous=None))
    assert point['had_release'] == ['app2']
    assert (point['module_version'], point['schema_version']) == (OLD_ROW, '1')


def test_a_deploy_dead_before_its_checkpoint_is_only_closed():
    plan = recovery_plan(dict(checkpoint=None, message='step: backup'), OLD_ROW, links('1.0.0-00000000'))
    assert plan['action'] == 'close' and 'step backup' in plan['reason']
    assert plan['discard'] == dict(app1='')


def test_a_deploy_dead_after_switch_and_record_is_finished():
    plan = recovery_plan(dict(checkpoint=checkpoint(), message='step: switch'), NEW_ROW,
                         links('1.1.0-abcdef12', '1.1.0-abcdef12'))
    assert plan['action'] == 'finish'


def test_anything_in_between_is_rolled_back_to_the_checkpoint():
    row = dict(checkpoint=checkpoint(), message='step: switch')
    half = recovery_plan(row, OLD_ROW, links('1.1.0-abcdef12', '1.0.0-00000000'))
    assert half['action'] == 'rollback' and '1 of 2 host(s) switched' in half['reason']
    assert half['links']['app1'] == dict(current='1.0.0-00000000', previous=None)
    assert half['discard'] == dict(app1='1.1.0-abcdef12', app2='1.1.0-abcdef12')
    recorded_not_switched = recovery_plan(row, NEW_ROW, links('1.1.0-abcdef12', '1.0.0-00000000'))
    assert recorded_not_switched['action'] == 'rollback'


def test_hosts_the_run_does_not_reach_are_refused_and_new_hosts_left_alone():
    row = dict(checkpoint=checkpoint(), message='step: upload')
    assert recovery_plan(row, OLD_ROW, links('1.0.0-00000000'))['action'] == 'refuse'
    plan = recovery_plan(row, OLD_ROW, dict(links('1.0.0-00000000', '1.0.0-00000000'),
                                            app3=dict(current='0.9.0-11111111', previous=None)))
    assert plan['links']['app3'] == dict(current='0.9.0-11111111', previous=None)
    assert plan['discard']['app3'] == ''
