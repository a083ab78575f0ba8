# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime
import json
import os

import pytest
from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._backup_catalog import (
    BackupNotFound,
    describe_age,
    parse_age,
    resolve_backup,
    scan_backups,
)
from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import (
    BackupMismatch,
    InvalidSidecar,
    backup_digest,
    build_sidecar,
    check_backup,
    read_sidecar,
    version_differences,
    write_sidecar,
)

VERSIONS = dict(schema_version='1.1', schema_versions={'comments': '1.1', 'core': '2'},
                module_versions={'core': dict(version='2.1.0', schema_version='2', dependencies={}, checksum=None)})


def make_backup(directory, name, content=b'dump', database='blog', timestamp='2026-11-24T10:00:00.000000Z'):
    path = os.path.join(str(directory), name)
    if name.endswith('.dir'):
        os.mkdir(path)
        with open(os.path.join(path, 'toc.dat'), 'wb') as f:
            f.write(content)
        fmt = 'directory'
    else:
        with open(path, 'wb') as f:
            f.write(content)
        fmt = 'plain' if name.endswith('.sql') else 'custom'
    digest, size = backup_digest(path, fmt)
    write_sidecar(path + '.json', build_sidecar(name, fmt, database, timestamp, digest, size, VERSIONS,
                                                tracking_schema='public', label=None))
    return path


def test_sidecar_round_trip_is_private_and_atomic(tmp_path):
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dump')
    assert oct(os.stat(path + '.json').st_mode & 0o777) == '0o600'
    assert not os.path.exists(path + '.json.partial')
    content = read_sidecar(path)
    assert content['sha256'] == backup_digest(path, 'custom')[0]
    assert content['schema_versions'] == VERSIONS['schema_versions']
    assert check_backup(path, content) == content['sha256']


def test_a_flipped_byte_is_reported_with_the_file_and_both_checksums(tmp_path):
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dump', content=b'0123456789')
    expected = read_sidecar(path)['sha256']
    with open(path, 'r+b') as f:
        f.seek(4)
        f.write(b'X')
    actual = backup_digest(path, 'custom')[0]
    with pytest.raises(BackupMismatch) as error:
        check_backup(path, read_sidecar(path))
    assert path in str(error.value) and expected in str(error.value) and actual in str(error.value)


def test_a_directory_backup_is_checked_over_its_files(tmp_path):
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dir')
    check_backup(path, read_sidecar(path))
    with open(os.path.join(path, '3001.dat.gz'), 'wb') as f:
        f.write(b'extra')
    with pytest.raises(BackupMismatch):
        check_backup(path, read_sidecar(path))


@pytest.mark.parametrize('damage, message', [
    (lambda c: 'not json', 'not valid JSON'),
    (lambda c: dict(c, name='blog_backup_20261124_100001.dump'), 'describes'),
    (lambda c: dict(c, sha256='abc'), 'invalid sha256'),
    (lambda c: dict((k, v) for k, v in c.items() if k != 'size'), "lacks the field 'size'"),
    (lambda c: dict(c, format='directory'), 'does not fit'),
    (lambda c: dict(c, sidecar_format=99), 'format 99'),
])
def test_a_sidecar_that_does_not_describe_its_backup_is_invalid(tmp_path, damage, message):
    path = make_backup(tmp_path, 'blog_backup_20261124_100000.dump')
    with open(path + '.json') as f:
        content = json.load(f)
    with open(path + '.json', 'w') as f:
        damaged = damage(content)
        f.write(damaged if isinstance(damaged, str) else json.dumps(damaged))
    with pytest.raises(InvalidSidecar) as error:
        read_sidecar(path)
    assert message in str(error.value)


def test_the_catalog_lists_complete_backups_newest_first_and_reports_leftovers(tmp_path):
    old = make_backup(tmp_path, 'blog_backup_20261123_100000.dump')
    make_backup(tmp_path, 'blog_backup_20261124_100000_2.dir')
    make_backup(tmp_path, 'blog_backup_20261124_100000.sql')
    make_backup(tmp_path, 'blog_backup_20261125_100000.dump', database='other')
    (tmp_path / 'blog_backup_20261126_100000.dump.partial').write_bytes(b'half')
    (tmp_path / 'blog_backup_20261126_110000.dump').write_bytes(b'no sidecar')
    (tmp_path / 'blog_backup_20261126_120000.dump.json').write_text('{}')
    (tmp_path / 'notes.txt').write_text('not ours')
    complete, leftovers = scan_backups(str(tmp_path), 'blog')
    assert [b.name for b in complete] == ['blog_backup_20261124_100000_2.dir', 'blog_backup_20261124_100000.sql',
                                          'blog_backup_20261123_100000.dump']
    assert sorted(item['name'] for item in leftovers) == [
        'blog_backup_20261126_100000.dump.partial', 'blog_backup_20261126_110000.dump',
        'blog_backup_20261126_120000.dump.json']
    assert [b.name for b in scan_backups(str(tmp_path))[0]][0] == 'blog_backup_20261125_100000.dump'
    assert resolve_backup(old + '.json').path == old
    assert resolve_backup('blog_backup_20261123_100000.dump', str(tmp_path)).path == old
    with pytest.raises(InvalidSidecar, match='has no sidecar'):
        resolve_backup(str(tmp_path / 'blog_backup_20261126_110000.dump'))
    with pytest.raises(BackupNotFound, match='newest backup of database .blog. in .* is blog_backup_20261126_120000.dump '
                       'and it is not a complete backup: its sidecar .* exists but the backup itself is missing'):
        resolve_backup('latest', str(tmp_path), 'blog')
    assert scan_backups(str(tmp_path / 'missing')) == ([], [])


def test_latest_is_the_newest_backup_or_a_refusal_naming_it(tmp_path):
    directory = str(tmp_path)
    make_backup(tmp_path, 'blog_backup_20261123_100000.dump')
    new = make_backup(tmp_path, 'blog_backup_20261124_100000_2.dir')
    make_backup(tmp_path, 'blog_backup_20261125_100000.dump', database='other')
    assert resolve_backup('latest', directory, 'blog').path == new, "another database's backup is passed over"
    with pytest.raises(BackupNotFound, match='there is no backup of database .nobody.'):
        resolve_backup('latest', directory, 'nobody')
    with pytest.raises(BackupNotFound, match='the directory does not exist'):
        resolve_backup('latest', str(tmp_path / 'missing'), 'blog')

    refusals = [
        ('blog_backup_20261126_100000.dump.partial', b'half', r'it is unfinished \(blog_backup_20261126_100000.dump.partial\)'),
        ('blog_backup_20261126_110000.dump', b'no sidecar', 'has no sidecar'),
    ]
    for name, content, reason in refusals:
        (tmp_path / name).write_bytes(content)
        with pytest.raises(BackupNotFound, match='the newest backup of database .blog. in .* is %s and it is not a complete '
                           'backup: .*%s.*name the backup to restore' % (name.replace('.partial', ''), reason)):
            resolve_backup('latest', directory, 'blog')
        os.unlink(str(tmp_path / name))
    damaged = make_backup(tmp_path, 'blog_backup_20261127_100000.dump')
    with open(damaged + '.json', 'w') as f:
        f.write('{"name": ')
    with pytest.raises(BackupNotFound, match='is not valid JSON'):
        resolve_backup('latest', directory, 'blog')
    os.unlink(damaged + '.json')
    os.unlink(damaged)
    assert resolve_backup('latest', directory, 'blog').path == new


def test_version_differences_name_each_difference():
    restored = dict(VERSIONS, schema_version='1', schema_versions={'comments': '1', 'core': '2'})
    assert version_differences(VERSIONS, VERSIONS) == []
    differences = version_differences(VERSIONS, restored)
    assert differences == ['schema version of the database: backup 1.1, restored 1',
                           'schema version of blog module comments: backup "1.1", restored "1"']


@pytest.mark.parametrize('text, seconds', [('1d', 86400), ('26h', 93600), ('1d12h', 129600), ('90m', 5400),
                                           ('3600', 3600), ('3600s', 3600), ('1w', 604800), ('1D 2H', 93600)])
def test_ages(text, seconds):
    assert parse_age(text) == seconds


@pytest.mark.parametrize('text', ['', '0', 'soon', '1y', '-1d', 'd'])
def test_bad_ages(text):
    with pytest.raises(ValueError, match='invalid max_age'):
        parse_age(text)


@pytest.mark.parametrize('seconds, text', [(0, '0s'), (40, '40s'), (125, '2m 5s'), (7500, '2h 5m'), (108002, '1d 6h'),
                                           (86400 + 300, '1d'), (3600, '1h')])
def test_ages_are_described_with_two_units(seconds, text):
    assert describe_age(seconds) == text


@given(st.integers(min_value=1, max_value=10 ** 8))
def test_a_described_age_is_at_most_one_unit_short(seconds):
    described = parse_age(describe_age(seconds).replace(' ', ''))
    assert described <= seconds
    assert seconds - described < max(1, described // 23)


def test_backup_age_is_counted_from_the_sidecar_timestamp(tmp_path):
    make_backup(tmp_path, 'blog_backup_20261124_100000.dump', timestamp='2026-11-24T10:00:00.000000Z')
    backup = scan_backups(str(tmp_path))[0][0]
    now = datetime.datetime(2026, 11, 25, 10, 0, 1, tzinfo=datetime.timezone.utc)
    assert backup.age_seconds(now) == 86401
    assert backup.summary(now)['age_seconds'] == 86401
