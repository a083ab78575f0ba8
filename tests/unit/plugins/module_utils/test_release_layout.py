# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import io
import os
import tarfile

import pytest

from ansible_collections.blogops.release.plugins.module_utils._release_layout import (
    ReleaseError,
    ReleaseLayout,
    check_release_id,
)
from ansible_collections.blogops.release.plugins.module_utils._release_transfer import (
    UnsafeArchive,
    pack_tree,
    unpack_archive,
)
from ansible_collections.blogops.release.plugins.module_utils._release_unpack import unpack_release
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def test_release_ids():
    assert check_release_id('1.4.0-9f2c4e0d') == '1.4.0'
    assert check_release_id('2.0.0-rc.1-9f2c4e0d') == '2.0.0-rc.1'
    for bad in ('1.4.0', '1.4-9f2c4e0d', '../1.4.0-9f2c4e0d', '1.4.0-9F2C4E0D', '', None):
        with pytest.raises(ReleaseError):
            check_release_id(bad)


def add(tar, name, kind=tarfile.REGTYPE, linkname='', data=b'x'):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


@pytest.mark.parametrize('name, kind, linkname, message', [
    ('/etc/evil', tarfile.REGTYPE, '', 'absolute path'),
    ('a/../../evil', tarfile.REGTYPE, '', 'leaves the release'),
    ('link', tarfile.SYMTYPE, '/etc/passwd', 'outside the release'),
    ('a/link', tarfile.SYMTYPE, '../../x', 'outside the release'),
    ('hard', tarfile.LNKTYPE, 'a', 'hard link'),
    ('dev', tarfile.CHRTYPE, '', 'special file'),
])
@pytest.mark.parametrize('unpack', [unpack_archive, unpack_release])
def test_unsafe_archives_are_refused_before_writing_anything(tmp_path, name, kind, linkname, message, unpack):
    archive = str(tmp_path / 'a.tar')
    with tarfile.open(archive, 'w') as tar:
        add(tar, 'fine.txt')
        add(tar, name, kind, linkname)
    dest = tmp_path / 'dest'
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match=message):
        unpack(archive, str(dest))
    assert os.listdir(str(dest)) == []


@pytest.mark.parametrize('compress', [False, True])
def test_pack_and_unpack_keep_the_checksum(tmp_path, compress):
    src = tmp_path / 'src'
    (src / 'static').mkdir(parents=True)
    (src / 'static' / 'a.css').write_text('a {}\n')
    (src / 'run.sh').write_text('#!/bin/sh\n')
    os.chmod(str(src / 'run.sh'), 0o700)
    os.symlink('static/a.css', str(src / 'a.css'))
    archive = str(tmp_path / 'r.tar')
    pack_tree(str(src), archive, compress=compress)
    dest = tmp_path / 'dest'
    dest.mkdir()
    unpack_archive(archive, str(dest))
    assert tree_sha256(str(dest)) == tree_sha256(str(src))


def test_pack_refuses_a_link_out_of_the_tree(tmp_path):
    src = tmp_path / 'src'
    src.mkdir()
    os.symlink('/etc/passwd', str(src / 'passwd'))
    with pytest.raises(UnsafeArchive, match='symlink passwd points to /etc/passwd'):
        pack_tree(str(src), str(tmp_path / 'r.tar'))


def test_cleanup_plan_keeps_newest_live_and_rollback_target(tmp_path):
    layout = ReleaseLayout(str(tmp_path), 'comments')
    layout.ensure_directories()
    ids = ['1.%d.0-0000000%d' % (n, n) for n in range(6)]
    for number, release_id in enumerate(ids):
        os.mkdir(layout.release_path(release_id))
        os.utime(layout.release_path(release_id), (1000 + number, 1000 + number))
    layout.activate(ids[1])
    layout.activate(ids[0])
    assert layout.cleanup_plan(2) == ([], ids[2:4])
    assert layout.cleanup_plan(10) == ([], [])
    with pytest.raises(ReleaseError, match='rollback target'):
        layout.remove(ids[1])


def test_a_real_directory_in_place_of_current_is_an_error(tmp_path):
    layout = ReleaseLayout(str(tmp_path), 'comments')
    os.makedirs(layout.current)
    with pytest.raises(ReleaseError, match='exists but is not a symlink'):
        layout.state()


def shipped(tmp_path, files):
    """An upload archive of a tree of ``files`` (relative path -> bytes), and the tree's checksum."""
    src = tmp_path / 'ship'
    for relative, data in files.items():
        path = src / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    archive = str(tmp_path / 'upload.tar')
    pack_tree(str(src), archive)
    return archive, 'sha256:' + tree_sha256(str(src))


def test_unpack_makes_a_complete_read_only_release(tmp_path):
    archive, checksum = shipped(tmp_path, {'a/b/c.txt': b'c', 'd.txt': b'd'})
    layout = ReleaseLayout(str(tmp_path / 'root'), 'comments')
    assert layout.unpack(archive, '1.0.0-%s' % checksum[7:15], checksum) == checksum
    release = layout.release_path('1.0.0-%s' % checksum[7:15])
    assert os.listdir(layout.releases) == [os.path.basename(release)]
    assert tree_sha256(release) == checksum[7:]
    assert [oct(os.stat(os.path.join(release, p)).st_mode & 0o777) for p in ('.', 'a', 'a/b', 'a/b/c.txt', 'd.txt')] \
        == ['0o555', '0o555', '0o555', '0o444', '0o444']


def test_unpack_with_the_wrong_checksum_leaves_nothing(tmp_path):
    archive, checksum = shipped(tmp_path, {'a/b/c.txt': b'c', 'd.txt': b'd'})
    layout = ReleaseLayout(str(tmp_path / 'root'), 'comments')
    wrong = 'sha256:' + '0' * 64
    with pytest.raises(ReleaseError, match='have checksum %s, expected %s' % (checksum, wrong)):
        layout.unpack(archive, '1.0.0-00000000', wrong)
    assert os.listdir(layout.releases) == []


def test_a_failure_in_the_middle_of_the_unpack_leaves_nothing(tmp_path, monkeypatch):
    archive, checksum = shipped(tmp_path, dict(('d%d/f%d.txt' % (n % 3, n), b'%d' % n) for n in range(10)))
    layout = ReleaseLayout(str(tmp_path / 'root'), 'comments')
    real_write, written = os.write, []

    def disk_full_after_five_files(fd, data):
        if len(written) == 5:
            raise OSError(28, 'No space left on device')
        written.append(fd)
        return real_write(fd, data)

    monkeypatch.setattr(os, 'write', disk_full_after_five_files)
    with pytest.raises(OSError, match='No space left on device'):
        layout.unpack(archive, '1.0.0-%s' % checksum[7:15], checksum)
    assert len(written) == 5
    assert os.listdir(layout.releases) == []


def test_an_unsafe_upload_leaves_nothing(tmp_path):
    archive = str(tmp_path / 'a.tar')
    with tarfile.open(archive, 'w') as tar:
        add(tar, 'fine.txt')
        add(tar, 'link', tarfile.SYMTYPE, '/etc/passwd')
    layout = ReleaseLayout(str(tmp_path / 'root'), 'comments')
    with pytest.raises(UnsafeArchive, match='outside the release'):
        layout.unpack(archive, '1.0.0-00000000')
    assert os.listdir(layout.releases) == []
