# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import datetime
import os
import threading

from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._backup_naming import (
    backup_name,
    claim_backup_path,
    parse_backup_name,
    retention_removals,
    sort_newest_first,
)

UTC = datetime.timezone.utc
WHEN = datetime.datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)

moments = st.datetimes(min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2099, 12, 31),
                       timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))
backups = st.tuples(moments, st.integers(min_value=1, max_value=30), st.sampled_from(['custom', 'directory', 'plain']))


def test_names_say_the_utc_time_and_the_format():
    assert backup_name(WHEN, 'custom') == 'blog_backup_20261124_100000.dump'
    assert backup_name(WHEN, 'directory', 2) == 'blog_backup_20261124_100000_2.dir'
    paris = datetime.timezone(datetime.timedelta(hours=1))
    assert backup_name(WHEN.astimezone(paris), 'plain') == 'blog_backup_20261124_100000.sql'


@given(backups)
def test_a_name_parses_back_to_its_moment_sequence_and_format(backup):
    when, sequence, fmt = backup
    parsed = parse_backup_name(backup_name(when, fmt, sequence))
    assert (parsed.stamp, parsed.sequence, parsed.format) == (when, sequence, fmt)


def test_sidecars_partials_and_strangers_are_not_backup_names():
    for name in ('blog_backup_20261124_100000.dump.json', 'blog_backup_20261124_100000.dump.partial',
                 'blog_backup_20261124_100000_1.dump', 'blog_backup_20261324_100000.dump', 'notes.txt',
                 'blog_backup_20261124_100000.tar', 'blog_backup_2026112_100000.dump'):
        assert parse_backup_name(name) is None, name


@given(st.lists(backups, unique_by=lambda b: (b[0], b[1]), max_size=30))
def test_newest_first_follows_time_then_sequence_not_text(items):
    names = [backup_name(when, fmt, sequence) for when, sequence, fmt in items]
    expected = [backup_name(when, fmt, sequence) for when, sequence, fmt in sorted(items, reverse=True)]
    assert sort_newest_first(names + ['stranger.txt']) == expected


@given(st.lists(backups, unique_by=lambda b: (b[0], b[1]), max_size=30), st.integers(min_value=1, max_value=40))
def test_retention_removes_exactly_what_is_older_than_the_newest_keep(items, keep):
    names = [backup_name(when, fmt, sequence) for when, sequence, fmt in items]
    removed = retention_removals(names, keep)
    newest = sort_newest_first(names)
    assert removed == newest[keep:]
    assert set(removed) | set(newest[:keep]) == set(names)


@given(st.lists(backups, unique_by=lambda b: (b[0], b[1]), min_size=1, max_size=30), st.integers(min_value=1, max_value=5),
       st.data())
def test_retention_never_removes_the_backup_just_taken(items, keep, data):
    names = [backup_name(when, fmt, sequence) for when, sequence, fmt in items]
    protect = data.draw(st.sampled_from(names))
    removed = retention_removals(names, keep, protect=protect)
    assert protect not in removed
    assert len(names) - len(removed) == min(keep, len(names))


def test_retention_without_keep_removes_nothing():
    assert retention_removals([backup_name(WHEN, 'custom')], None) == []


def test_a_second_backup_in_the_same_second_gets_the_next_free_name(tmp_path):
    directory = str(tmp_path)
    first = claim_backup_path(directory, 'custom', WHEN)
    assert first[0] == 'blog_backup_20261124_100000.dump'
    assert os.path.isfile(first[2]) and oct(os.stat(first[2]).st_mode & 0o777) == '0o600'
    second = claim_backup_path(directory, 'custom', WHEN)
    assert second[0] == 'blog_backup_20261124_100000_2.dump'
    os.rename(first[2], first[1])  # the first one finished: its name is still taken
    third = claim_backup_path(directory, 'directory', WHEN)
    assert third[0] == 'blog_backup_20261124_100000.dir'
    assert os.path.isdir(third[2]) and oct(os.stat(third[2]).st_mode & 0o777) == '0o700'
    assert claim_backup_path(directory, 'custom', WHEN)[0] == 'blog_backup_20261124_100000_3.dump'


def test_a_name_whose_sidecar_remains_is_not_reused(tmp_path):
    (tmp_path / 'blog_backup_20261124_100000.dump.json').write_text('{}')
    assert claim_backup_path(str(tmp_path), 'custom', WHEN)[0] == 'blog_backup_20261124_100000_2.dump'


def test_concurrent_claims_in_one_second_all_get_distinct_names(tmp_path):
    names = []
    lock = threading.Lock()

    def claim():
        name = claim_backup_path(str(tmp_path), 'custom', WHEN)[0]
        with lock:
            names.append(name)

    threads = [threading.Thread(target=claim) for _number in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(names)) == 20
