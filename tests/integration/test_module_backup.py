# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""blogops.release.module_backup and module_restore on a release layout, through ansible-playbook."""

import gzip
import io
import json
import os
import stat
import tarfile

from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def make_release(root, version='1.4.0', hash8='5ca1ab1e'):
    """``<root>/comments/releases/<version>-<hash8>`` made read-only as deployed, with ``current`` pointing to it."""
    release = os.path.join(str(root), 'comments', 'releases', '%s-%s' % (version, hash8))
    os.makedirs(os.path.join(release, 'templates'))
    with open(os.path.join(release, 'templates', 'comment.html'), 'w') as f:
        f.write('<p>{{ comment }}</p>\n')
    with open(os.path.join(release, 'migrate.sh'), 'w') as f:
        f.write('#!/bin/sh\nexit 0\n')
    os.chmod(os.path.join(release, 'migrate.sh'), 0o755)
    os.symlink('../../../shared/uploads', os.path.join(release, 'uploads'))
    for directory in (os.path.join(release, 'templates'), release):
        os.chmod(directory, 0o555)
    current = os.path.join(str(root), 'comments', 'current')
    if os.path.lexists(current):
        os.unlink(current)
    os.symlink('releases/%s-%s' % (version, hash8), current)
    return release


ARCHIVE = '''
- name: Predict the archive
  blogops.release.module_backup:
    release_root: "{{ release_root }}"
    module_name: comments
    backup_dir: "{{ backup_dir }}"
  check_mode: true
- name: Archive the current release
  blogops.release.module_backup:
    release_root: "{{ release_root }}"
    module_name: comments
    dependencies:
      core: ">=2.1,<3"
    backup_dir: "{{ backup_dir }}"
- name: Archive it again
  blogops.release.module_backup:
    release_dir: "{{ release_root }}/comments/releases/1.4.0-5ca1ab1e"
    dependencies:
      core: ">=2.1,<3"
    backup_dir: "{{ backup_dir }}"
'''

RESTORE = '''
- name: Restore on another host's root
  blogops.release.module_restore:
    archive: "{{ archive }}"
    release_root: "{{ other_root }}"
    version: 1.4.0
- name: Restore it again
  blogops.release.module_restore:
    archive: "{{ archive }}"
    release_root: "{{ other_root }}"
- name: Restore as another version
  blogops.release.module_restore:
    archive: "{{ archive }}"
    dest: "{{ other_root }}/comments/releases/1.5.0-5ca1ab1e"
  ignore_errors: true
- name: Restore expecting another version
  blogops.release.module_restore:
    archive: "{{ archive }}"
    release_root: "{{ other_root }}"
    version: 1.5.0
  ignore_errors: true
- name: Restore a tampered archive
  blogops.release.module_restore:
    archive: "{{ tampered }}"
    dest: "{{ other_root }}/comments/releases/1.4.0-tampered"
  ignore_errors: true
'''


def tamper(archive, path):
    """A copy of ``archive`` whose template says something else, with version.json unchanged."""
    out = io.BytesIO()
    with tarfile.open(archive, 'r:gz') as source, tarfile.open(fileobj=out, mode='w') as target:
        for member in source:
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name.endswith('comment.html'):
                data = b'<p>defaced</p>\n'
                member.size = len(data)
            target.addfile(member, io.BytesIO(data) if data is not None else None)
    with gzip.open(path, 'wb') as f:
        f.write(out.getvalue())


def test_a_release_archived_and_restored_elsewhere_is_the_same_release(ansible, blog_db, tmp_path):
    release_root = tmp_path / 'srv'
    release = make_release(release_root)
    checksum = tree_sha256(release)
    backup_dir = tmp_path / 'archives'
    run = ansible.play(ARCHIVE, extra_vars=dict(release_root=str(release_root), backup_dir=str(backup_dir)))
    assert run.ok, run

    predicted = run.result('Predict the archive')
    archived = run.result('Archive the current release')
    assert predicted['changed'] is True and predicted['path'] == archived['path']
    assert archived['changed'] is True
    assert archived['path'] == str(backup_dir / ('comments_1.4.0-%s.tar.gz' % checksum[:8]))
    assert archived['release_dir'] == release and archived['checksum'] == checksum
    assert stat.S_IMODE(os.stat(archived['path']).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(str(backup_dir)).st_mode) == 0o700
    assert sorted(os.listdir(str(backup_dir))) == [os.path.basename(archived['path'])]
    with tarfile.open(archived['path']) as tar:
        document = json.loads(tar.extractfile('version.json').read())
    assert document == archived['version_json']
    assert (document['name'], document['version'], document['checksum'], document['dependencies']) == (
        'comments', '1.4.0', checksum, {'core': '>=2.1,<3'})
    assert run.result('Archive it again')['changed'] is False

    other_root = tmp_path / 'other'
    tampered = str(tmp_path / 'tampered.tar.gz')
    tamper(archived['path'], tampered)
    restored = ansible.play(RESTORE, extra_vars=dict(archive=archived['path'], other_root=str(other_root),
                                                     tampered=tampered))
    assert restored.ok, restored
    first = restored.result('Restore on another host\'s root')
    dest = str(other_root / 'comments' / 'releases' / ('1.4.0-%s' % checksum[:8]))
    assert first['changed'] is True and first['dest'] == dest and first['checksum'] == checksum
    assert tree_sha256(dest) == checksum
    assert os.readlink(os.path.join(dest, 'uploads')) == '../../../shared/uploads'
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o555
    assert restored.result('Restore it again')['changed'] is False

    wrong_dir = restored.result('Restore as another version')
    assert wrong_dir['_status'] == 'failed'
    assert 'is the directory of version 1.5.0, but version.json of the archive says version 1.4.0' in wrong_dir['msg']
    wrong_version = restored.result('Restore expecting another version')
    assert wrong_version['_status'] == 'failed'
    assert 'holds version 1.4.0 of blog module comments, not version 1.5.0' in wrong_version['msg']
    damaged = restored.result('Restore a tampered archive')
    assert damaged['_status'] == 'failed'
    assert checksum in damaged['msg'] and 'was not created' in damaged['msg']
    assert sorted(os.listdir(str(other_root / 'comments' / 'releases'))) == [os.path.basename(dest)]
