# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import io
import os
import tarfile

import pytest

from ansible_collections.blogops.release.plugins.module_utils.release_layout import (
    ReleaseError,
    ReleaseLayout,
    check_release_id,
)
from ansible_collections.blogops.release.plugins.module_utils.release_transfer import (
    UnsafeArchive,
    pack_tree,
    unpack_archive,
)
from ansible_collections.blogops.release.plugins.module_utils.tree_digest import tree_sha256


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
def test_unsafe_archives_are_refused_before_writing_anything(tmp_path, name, kind, linkname, message):
    archive = str(tmp_path / 'a.tar')
    with tarfile.open(archive, 'w') as tar:
        add(tar, 'fine.txt')
        add(tar, name, kind, linkname)
    dest = tmp_path / 'dest'
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match=message):
        unpack_archive(archive, str(dest))
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
