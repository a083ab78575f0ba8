# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import io
import os
import stat
import tarfile

import pytest

from ansible_collections.blogops.release.plugins.module_utils._release_transfer import UnsafeArchive, pack_tree
from ansible_collections.blogops.release.plugins.module_utils._release_unpack import DamagedArchive, unpack_release
from ansible_collections.blogops.release.plugins.module_utils._tree_digest import tree_sha256


def make_source(root):
    """Nested and empty directories, text and binary files, an executable, symlinks, a non-ASCII name."""
    os.makedirs(os.path.join(root, 'static', 'css', 'deep', 'deeper'))
    os.makedirs(os.path.join(root, 'empty'))
    os.makedirs(os.path.join(root, 'static', 'empty-too'))
    with open(os.path.join(root, 'static', 'css', 'a.css'), 'w') as f:
        f.write('a {}\n')
    with open(os.path.join(root, 'static', 'css', 'deep', 'deeper', 'big.bin'), 'wb') as f:
        f.write(os.urandom(3 * 1024 * 1024 + 17))
    with open(os.path.join(root, 'run.sh'), 'w') as f:
        f.write('#!/bin/sh\n')
    os.chmod(os.path.join(root, 'run.sh'), 0o700)
    with open(os.path.join(root, 'empty.txt'), 'w'):
        pass
    with open(os.path.join(root, 'caf\u00e9.txt'), 'w') as f:
        f.write('caf\u00e9\n')
    os.symlink('static/css/a.css', os.path.join(root, 'a.css'))
    os.symlink('css', os.path.join(root, 'static', 'styles'))


def modes(root):
    """Relative path -> permission bits of everything under ``root`` (symlinks left out), ``root`` as '.'."""
    found = {'.': stat.S_IMODE(os.lstat(root).st_mode)}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            st = os.lstat(path)
            if not stat.S_ISLNK(st.st_mode):
                found[os.path.relpath(path, root)] = stat.S_IMODE(st.st_mode)
    return found


def add(tar, name, kind=tarfile.REGTYPE, data=b'x', linkname='', mode=0o644):
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.mode = kind, linkname, mode
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def crafted(path, members):
    with tarfile.open(path, 'w') as tar:
        for member in members:
            add(tar, *member)
    return path


@pytest.mark.parametrize('compress', [False, True])
def test_the_checksum_returned_is_the_checksum_of_the_tree_written(tmp_path, compress):
    src, dest = str(tmp_path / 'src'), tmp_path / 'dest'
    make_source(src)
    pack_tree(src, str(tmp_path / 'r.tar'), compress=compress)
    dest.mkdir()
    checksum = unpack_release(str(tmp_path / 'r.tar'), str(dest))
    assert checksum == tree_sha256(str(dest)) == tree_sha256(src)
    assert os.readlink(str(dest / 'static' / 'styles')) == 'css'
    assert (dest / 'static' / 'empty-too').is_dir() and os.listdir(str(dest / 'empty')) == []
    with open(os.path.join(src, 'static', 'css', 'deep', 'deeper', 'big.bin'), 'rb') as f:
        assert (dest / 'static' / 'css' / 'deep' / 'deeper' / 'big.bin').read_bytes() == f.read()


@pytest.mark.parametrize('umask', [0o022, 0o077, 0o277])
def test_files_and_directories_get_the_promised_modes_whatever_the_umask(tmp_path, umask):
    src, dest = str(tmp_path / 'src'), tmp_path / 'dest'
    make_source(src)
    pack_tree(src, str(tmp_path / 'r.tar'))
    dest.mkdir()
    old = os.umask(umask)
    try:
        unpack_release(str(tmp_path / 'r.tar'), str(dest))
    finally:
        os.umask(old)
    found = modes(str(dest))
    assert found.pop('run.sh') == 0o555
    assert found.pop(os.path.join('static', 'css', 'a.css')) == 0o444
    directories = set(['.', 'empty', 'static', os.path.join('static', 'css'), os.path.join('static', 'empty-too'),
                       os.path.join('static', 'css', 'deep'), os.path.join('static', 'css', 'deep', 'deeper')])
    assert set(path for path, mode in found.items() if mode == 0o555) == directories
    assert set(path for path, mode in found.items() if mode != 0o555) == set(
        ['empty.txt', 'caf\u00e9.txt', os.path.join('static', 'css', 'deep', 'deeper', 'big.bin')])
    assert all(mode == 0o444 for path, mode in found.items() if path not in directories)


def test_without_read_only_files_keep_the_owners_x_bit_only(tmp_path):
    archive = crafted(str(tmp_path / 'r.tar'), [('bin', tarfile.DIRTYPE, b'', '', 0o700),
                                                ('bin/tool', tarfile.REGTYPE, b'#!/bin/sh\n', '', 0o4750),
                                                ('bin/data', tarfile.REGTYPE, b'x', '', 0o666)])
    dest = tmp_path / 'dest'
    dest.mkdir()
    unpack_release(archive, str(dest), read_only=False)
    assert stat.S_IMODE(os.stat(str(dest / 'bin' / 'tool')).st_mode) == 0o755 & ~current_umask()
    assert stat.S_IMODE(os.stat(str(dest / 'bin' / 'data')).st_mode) == 0o644 & ~current_umask()
    assert os.access(str(dest / 'bin'), os.W_OK)


def current_umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def test_parents_missing_from_the_archive_are_made_once_and_counted(tmp_path):
    archive = crafted(str(tmp_path / 'r.tar'), [('a/b/c.txt', tarfile.REGTYPE, b'c'), ('a/b/d.txt', tarfile.REGTYPE, b'd'),
                                                ('a/e', tarfile.DIRTYPE, b''), ('f/g.txt', tarfile.REGTYPE, b'g')])
    dest = tmp_path / 'dest'
    dest.mkdir()
    checksum = unpack_release(archive, str(dest))
    assert checksum == tree_sha256(str(dest))
    assert (dest / 'a' / 'b' / 'd.txt').read_bytes() == b'd' and (dest / 'a' / 'e').is_dir()


@pytest.mark.parametrize('members, message', [
    ([('a.txt',), ('a.txt',)], 'a.txt would be written over an earlier member'),
    ([('d', tarfile.DIRTYPE, b''), ('d', tarfile.SYMTYPE, b'', 'e')], 'd would be written over'),
    ([('link', tarfile.SYMTYPE, b'', 'd'), ('d', tarfile.DIRTYPE, b''), ('link/x.txt',)], 'link would be written over or through'),
    ([('file',), ('file/x.txt',)], 'file would be written over or through'),
    ([('a/./b.txt',)], 'a/./b.txt is not a plain relative path'),
    ([('a//b.txt',)], 'a//b.txt is not a plain relative path'),
    ([('d', tarfile.DIRTYPE, b''), ('d/../x.txt',)], r'd/\.\./x.txt is not a plain relative path'),
])
def test_members_that_would_write_through_or_over_others_are_refused(tmp_path, members, message):
    archive = crafted(str(tmp_path / 'r.tar'), members)
    dest = tmp_path / 'dest'
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match=message):
        unpack_release(archive, str(dest))
    assert not os.path.exists(str(tmp_path / 'x.txt'))


def test_a_link_escaping_through_another_link_is_refused(tmp_path):
    archive = crafted(str(tmp_path / 'r.tar'), [('d', tarfile.SYMTYPE, b'', '.'), ('escape', tarfile.SYMTYPE, b'', 'd/d/../..')])
    dest = tmp_path / 'dest'
    dest.mkdir()
    with pytest.raises(UnsafeArchive, match='outside the release'):
        unpack_release(archive, str(dest))


@pytest.mark.parametrize('compress', [False, True])
def test_an_archive_cut_short_is_an_error(tmp_path, compress):
    src = tmp_path / 'src'
    src.mkdir()
    (src / 'a.bin').write_bytes(os.urandom(200000))
    (src / 'b.bin').write_bytes(os.urandom(200000))
    archive = str(tmp_path / 'r.tar')
    pack_tree(str(src), archive, compress=compress)
    with open(archive, 'rb') as f:
        data = f.read()
    with open(archive, 'wb') as f:
        f.write(data[:len(data) * 2 // 3])
    dest = tmp_path / 'dest'
    dest.mkdir()
    with pytest.raises(DamagedArchive, match='cannot read the release archive .*r.tar'):
        unpack_release(archive, str(dest))
