# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import os

import pytest

from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import resolve_backup, scan_backups
from ansible_collections.blogops.release.plugins.module_utils._backup_trust import (
    UntrustedBackup,
    backup_problem,
    check_directory,
    directory_problem,
)

from test_backup_sidecar_and_catalog import make_backup

OTHER = 65534
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason='giving a file to another user needs root')


def test_a_private_directory_of_this_user_is_trusted(tmp_path):
    os.chmod(str(tmp_path), 0o700)
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dump')
    assert directory_problem(str(tmp_path)) is None
    assert backup_problem(path, path + '.json') is None
    os.chmod(str(tmp_path), 0o755)
    assert directory_problem(str(tmp_path)) is None, 'others may read (list) but not write'


@pytest.mark.parametrize('mode, who', [(0o777, 'its group and others'), (0o770, 'its group'), (0o1777, 'its group and others'),
                                       (0o703, 'others')])
def test_a_directory_others_can_write_is_refused_saying_how_to_fix_it(tmp_path, mode, who):
    directory = tmp_path / 'backups'
    directory.mkdir()
    path = make_backup(directory, 'blog_backup_20261124_100000.dump')
    os.chmod(str(directory), mode)
    problem = directory_problem(str(directory))
    assert problem == ('the backup directory %s has mode %04o: %s can write into it, so a backup there could have been '
                       'planted by another user. Make it private (chmod 0700 %s), after checking the backups in it'
                       % (directory, mode, who, directory))
    with pytest.raises(UntrustedBackup):
        check_directory(str(directory))
    with pytest.raises(UntrustedBackup, match='mode %04o' % mode):
        resolve_backup('latest', str(directory), 'blog')
    with pytest.raises(UntrustedBackup, match='mode %04o' % mode):
        resolve_backup(path)
    assert [leftover['name'] for leftover in scan_backups(str(directory))[1]] == [os.path.basename(path)]


def test_a_backup_writable_by_others_is_refused(tmp_path):
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dump')
    os.chmod(path + '.json', 0o666)
    assert backup_problem(path, path + '.json').startswith('%s.json has mode 0666: another user could have changed it'
                                                           % path)


@needs_root
def test_files_and_directories_of_another_user_are_refused(tmp_path):
    os.chmod(str(tmp_path), 0o700)
    older = make_backup(tmp_path, 'blog_backup_20261123_100000.dump')
    planted = make_backup(tmp_path, 'blog_backup_20991231_235959.dump')
    os.chown(planted, OTHER, OTHER)
    with pytest.raises(UntrustedBackup, match='newest backup of database .blog. in .* is blog_backup_20991231_235959.dump '
                       'and it cannot be trusted: .* belongs to uid 65534.*, not to uid 0 .*remove .* and its sidecar'):
        resolve_backup('latest', str(tmp_path), 'blog')
    os.chown(planted, 0, 0)
    os.chown(planted + '.json', OTHER, OTHER)
    with pytest.raises(UntrustedBackup, match=r'\.json belongs to uid 65534'):
        resolve_backup(planted)
    os.unlink(planted)
    os.unlink(planted + '.json')
    assert resolve_backup('latest', str(tmp_path), 'blog').path == older
    directory_dump = make_backup(tmp_path, 'blog_backup_20261124_100000.dir')
    os.chown(os.path.join(directory_dump, 'toc.dat'), OTHER, OTHER)
    with pytest.raises(UntrustedBackup, match='toc.dat belongs to uid 65534'):
        resolve_backup(directory_dump)
    os.chown(str(tmp_path), OTHER, OTHER)
    assert 'belongs to uid 65534' in directory_problem(str(tmp_path)) and 'chown 0 ' in directory_problem(str(tmp_path))


@needs_root
def test_a_link_is_judged_by_what_it_points_to(tmp_path):
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    real = make_backup(elsewhere, 'blog_backup_20261124_100000.dump')
    backups = tmp_path / 'backups'
    backups.mkdir(mode=0o700)
    for suffix in ('', '.json'):
        os.symlink(real + suffix, str(backups / ('blog_backup_20261124_100000.dump' + suffix)))
    assert resolve_backup('latest', str(backups), 'blog').path == str(backups / 'blog_backup_20261124_100000.dump')
    os.chmod(str(elsewhere), 0o777)
    with pytest.raises(UntrustedBackup, match='the backup directory %s has mode 0777' % elsewhere):
        resolve_backup('latest', str(backups), 'blog')
