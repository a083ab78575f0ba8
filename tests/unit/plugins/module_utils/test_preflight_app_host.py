# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's read of an app host: its problems and its releases, from one call, on real directories."""

import os

from ansible_collections.blogops.release.plugins.module_utils._preflight_app_host import check_app_host


def make_release(root, release_id, live=None):
    os.makedirs(os.path.join(root, 'comments', 'releases', release_id))
    if live:
        os.symlink('releases/' + release_id, os.path.join(root, 'comments', live))


def test_a_ready_host_reports_its_releases_and_no_problem(tmp_path):
    root = str(tmp_path / 'blog')
    make_release(root, '1.0.0-0a1b2c3d', live='previous')
    make_release(root, '1.1.0-1fc9fd2a', live='current')
    found = check_app_host('comments', root, 0, ['HOME'], environ=dict(HOME='/root'))
    assert found['problems'] == []
    assert found['paths'][0]['writable'] is True and found['paths'][0]['exists'] is True
    assert found['releases']['current']['id'] == '1.1.0-1fc9fd2a'
    assert found['releases']['previous']['id'] == '1.0.0-0a1b2c3d'
    assert sorted(r['id'] for r in found['releases']['releases']) == ['1.0.0-0a1b2c3d', '1.1.0-1fc9fd2a']


def test_a_first_deploy_finds_nothing_live(tmp_path):
    found = check_app_host('comments', str(tmp_path / 'not' / 'yet'), 0, [], environ={})
    assert found['problems'] == []
    assert found['paths'][0]['exists'] is False and found['paths'][0]['checked'] == str(tmp_path)
    assert (found['releases']['current'], found['releases']['previous'], found['releases']['releases']) == (None, None, [])


def test_every_problem_at_once_and_releases_that_cannot_be_read(tmp_path):
    root = str(tmp_path / 'blog')
    os.makedirs(os.path.join(root, 'comments'))
    os.symlink('/etc', os.path.join(root, 'comments', 'current'))
    found = check_app_host('comments', root, 10 ** 12, ['BLOGOPS_NOT_SET', 'EMPTY'], environ=dict(EMPTY=''))
    assert found['releases'] is None
    assert [p.split(' ')[0] for p in found['problems'][:1]] == [root]
    assert 'needs at least %d MB' % 10 ** 12 in found['problems'][0]
    assert found['problems'][1:] == [
        'environment variable BLOGOPS_NOT_SET is not set', 'environment variable EMPTY is not set',
        '%s points to /etc, outside %s' % (os.path.join(root, 'comments', 'current'),
                                           os.path.join(root, 'comments', 'releases'))]


def test_the_live_release_about_to_be_deployed_again_is_proved_in_the_same_read(tmp_path):
    from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256
    root = str(tmp_path / 'blog')
    make_release(root, '1.0.0-0a1b2c3d', live='previous')
    make_release(root, '1.1.0-1fc9fd2a', live='current')
    live = os.path.join(root, 'comments', 'releases', '1.1.0-1fc9fd2a')
    with open(os.path.join(live, 'index.html'), 'w') as f:
        f.write('<p>comments</p>\n')
    checksum = 'sha256:' + tree_sha256(live)

    found = check_app_host('comments', root, 0, [], environ={}, release_id='1.1.0-1fc9fd2a', checksum=checksum)
    assert found['live_proof'] == dict(release_id='1.1.0-1fc9fd2a', verified=True, message='')
    # Another release is deployed: nothing to prove, no digest taken.
    other = check_app_host('comments', root, 0, [], environ={}, release_id='1.2.0-9f8e7d6c', checksum=checksum)
    assert other['live_proof'] is None
    assert check_app_host('comments', root, 0, [], environ={})['live_proof'] is None

    with open(os.path.join(live, 'index.html'), 'a') as f:
        f.write('<!-- changed on the host -->\n')
    changed = check_app_host('comments', root, 0, [], environ={}, release_id='1.1.0-1fc9fd2a', checksum=checksum)
    assert changed['problems'] == [] and changed['live_proof']['verified'] is False
    assert changed['live_proof']['message'].startswith('the files of live release %s were modified after the deploy' % live)
