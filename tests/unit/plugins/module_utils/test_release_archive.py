# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import io
import json
import os
import tarfile

import pytest

from ansible_collections.blogops.release.plugins.module_utils._release_archive import (
    ReleaseArchiveError,
    archive_name,
    find_release,
    read_version_document,
    release_identity,
    restore_release,
    version_document,
    write_archive,
)
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def make_release(root, module='comments', version='1.4.0', hash8='0badc0de'):
    release = os.path.join(str(root), module, 'releases', '%s-%s' % (version, hash8))
    os.makedirs(os.path.join(release, 'static'))
    with open(os.path.join(release, 'static', 'app.js'), 'w') as f:
        f.write('console.log(1)\n')
    with open(os.path.join(release, 'run.sh'), 'w') as f:
        f.write('#!/bin/sh\n')
    os.chmod(os.path.join(release, 'run.sh'), 0o755)
    os.symlink('../../shared/uploads', os.path.join(release, 'uploads'))
    os.chmod(os.path.join(release, 'static'), 0o555)
    os.symlink('releases/%s-%s' % (version, hash8), os.path.join(str(root), module, 'current'))
    return release


def archive_of(tmp_path, release):
    name, version = release_identity(release)
    document = version_document(name, version, tree_sha256(release), {'core': '>=2.1,<3'}, source=release)
    path = str(tmp_path / archive_name(document))
    write_archive(release, document, path)
    return path, document


def test_layout_gives_name_version_and_current(tmp_path):
    release = make_release(tmp_path / 'srv')
    assert release_identity(release) == ('comments', '1.4.0')
    assert find_release(str(tmp_path / 'srv'), 'comments') == os.path.realpath(release)
    assert find_release(str(tmp_path / 'srv'), 'comments', '1.4.0') == release
    with pytest.raises(ReleaseArchiveError, match='no release of version 9.9.9'):
        find_release(str(tmp_path / 'srv'), 'comments', '9.9.9')
    with pytest.raises(ReleaseArchiveError, match='give module_name and version'):
        release_identity(str(tmp_path))


def test_round_trip_keeps_content_links_and_modes(tmp_path):
    release = make_release(tmp_path / 'srv')
    path, document = archive_of(tmp_path, release)
    assert oct(os.stat(path).st_mode & 0o777) == '0o600'
    assert read_version_document(path)['checksum'] == document['checksum']
    assert read_version_document(path)['dependencies'] == {'core': '>=2.1,<3'}
    dest = str(tmp_path / 'elsewhere' / 'releases' / '1.4.0-0badc0de')
    assert restore_release(path, document, dest) == tree_sha256(release)
    assert os.readlink(os.path.join(dest, 'uploads')) == '../../shared/uploads'
    assert oct(os.stat(os.path.join(dest, 'static')).st_mode & 0o777) == '0o555'
    assert os.listdir(os.path.dirname(dest)) == ['1.4.0-0badc0de']


def test_content_that_differs_from_version_json_is_not_restored(tmp_path):
    release = make_release(tmp_path / 'srv')
    path, document = archive_of(tmp_path, release)
    lying = dict(document, checksum='f' * 64)
    dest = str(tmp_path / 'out' / '1.4.0-0badc0de')
    with pytest.raises(ReleaseArchiveError) as error:
        restore_release(path, lying, dest)
    assert document['checksum'] in str(error.value) and 'f' * 64 in str(error.value)
    assert os.listdir(str(tmp_path / 'out')) == []


def malicious_archive(tmp_path, members):
    path = str(tmp_path / 'evil.tar.gz')
    document = dict(name='comments', version='1.0.0', checksum='0' * 64, dependencies={})
    with tarfile.open(path, 'w:gz') as tar:
        data = json.dumps(document).encode()
        info = tarfile.TarInfo('version.json')
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
        for name, kind, target in members:
            info = tarfile.TarInfo(name)
            if kind == 'link':
                info.type, info.linkname = tarfile.SYMTYPE, target
                tar.addfile(info)
            elif kind == 'dir':
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = 1
                tar.addfile(info, io.BytesIO(b'x'))
    return path, document


@pytest.mark.parametrize('members', [
    [('release/../../escape', 'file', None)],
    [('/etc/escape', 'file', None)],
    [('release', 'dir', None), ('release/etc', 'link', '/etc'), ('release/etc/escape', 'file', None)],
    [('release/dev', 'hardlink', None)],
])
def test_members_that_could_land_outside_are_refused(tmp_path, members):
    members = [(n, 'file' if k == 'hardlink' else k, t) for n, k, t in members]
    path, document = malicious_archive(tmp_path, members)
    dest = str(tmp_path / 'out' / 'r')
    with pytest.raises(ReleaseArchiveError):
        restore_release(path, document, dest)
    assert not os.path.exists(dest)
    assert not os.path.exists(str(tmp_path / 'escape'))


def test_a_damaged_archive_is_refused(tmp_path):
    release = make_release(tmp_path / 'srv')
    path, document = archive_of(tmp_path, release)
    with open(path, 'r+b') as f:
        f.seek(os.path.getsize(path) // 2)
        byte = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(ReleaseArchiveError):
        restore_release(path, document, str(tmp_path / 'out' / 'r'))
    assert os.listdir(str(tmp_path / 'out')) == []


def test_a_release_with_a_hard_link_is_refused_before_an_archive_is_written(tmp_path):
    release = make_release(tmp_path / 'srv')
    os.chmod(os.path.join(release, 'static'), 0o755)
    os.link(os.path.join(release, 'run.sh'), os.path.join(release, 'static', 'again.sh'))
    with pytest.raises(ReleaseArchiveError, match=r'run.sh is a hard link \(one file with 2 names\)'):
        archive_of(tmp_path, release)
    assert [n for n in os.listdir(str(tmp_path)) if n.endswith(('.tar.gz', '.partial'))] == []


def test_restore_keeps_the_archived_mode_of_every_file_and_directory(tmp_path):
    release = make_release(tmp_path / 'srv')
    os.makedirs(os.path.join(release, 'a', 'b', 'empty'))
    with open(os.path.join(release, 'a', 'b', 'deep.txt'), 'w') as f:
        f.write('deep\n')
    for relative, mode in (('a/b/deep.txt', 0o444), ('a/b/empty', 0o555), ('a/b', 0o750), ('static/app.js', 0o640)):
        os.chmod(os.path.join(release, relative), mode)
    path, document = archive_of(tmp_path, release)
    dest = str(tmp_path / 'out' / 'r')
    old = os.umask(0o077)
    try:
        assert restore_release(path, document, dest) == tree_sha256(release)
    finally:
        os.umask(old)
    for relative in ('run.sh', 'static', 'static/app.js', 'a', 'a/b', 'a/b/deep.txt', 'a/b/empty'):
        assert oct(os.stat(os.path.join(dest, relative)).st_mode & 0o7777) == \
            oct(os.stat(os.path.join(release, relative)).st_mode & 0o7777), relative


def test_a_member_under_a_file_or_link_of_the_archive_is_refused(tmp_path):
    path, document = malicious_archive(tmp_path, [('release', 'dir', None), ('release/d', 'dir', None),
                                                  ('release/link', 'link', 'd'), ('release/link/x', 'file', None)])
    dest = str(tmp_path / 'out' / 'r')
    with pytest.raises(ReleaseArchiveError, match='would be written through'):
        restore_release(path, document, dest)
    assert os.listdir(str(tmp_path / 'out')) == []
