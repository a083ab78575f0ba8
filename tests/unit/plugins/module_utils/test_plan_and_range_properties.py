# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Properties the fault suite relies on: any history of applied, undone, failed and changed migrations
and any set of pending scripts gives a plan that is sorted, complete and refuses what it must, and
applying it leaves nothing pending; version ranges combine as sets do."""

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._migration_files import MigrationScript, MigrationSet
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import PlanError, plan_apply, plan_undo
from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.module_utils._semver import SemVer
from ansible_collections.blogops.release.plugins.module_utils._version_range import parse_range

versions = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(lambda parts: '.'.join(map(str, parts)))


def distinct(texts):
    seen = {}
    for text in texts:
        seen.setdefault(migration_version_key(text), text)
    return list(seen.values())


def script(kind, version, checksum):
    name = '%s%s__step.sql' % (kind, version)
    return MigrationScript(kind, version, 'step', name, '/m/' + name, 'SELECT 1;', checksum)


def files(on_disk, changed=()):
    return MigrationSet('/m', dict((migration_version_key(v), script('V', v, 'new' + v if v in changed else 'c' + v))
                                   for v in on_disk),
                        dict((migration_version_key(v), script('U', v, 'u' + v)) for v in on_disk))


def row(version, kind='migrate', success=True, row_id=None):
    return dict(id=row_id, module_name='comments', version=version, kind=kind, success=success,
                checksum='c' + version if kind == 'migrate' else None, script='V%s__step.sql' % version)


@st.composite
def histories(draw):
    """Scripts on disk and a history: some applied in any order, some of those undone, maybe a failure,
    maybe a script changed since it was applied."""
    on_disk = draw(st.lists(versions, min_size=1, max_size=10).map(distinct))
    applied = draw(st.lists(st.sampled_from(on_disk), unique=True))
    undone = draw(st.lists(st.sampled_from(applied), unique=True)) if applied else []
    rows = [row(v) for v in applied] + [row(v, 'undo') for v in undone]
    live = [v for v in applied if v not in undone]
    failed = draw(st.booleans()) and draw(st.sampled_from(on_disk))
    if failed:
        rows.append(row(failed, success=False))
    changed = draw(st.lists(st.sampled_from(live), unique=True, max_size=1)) if live else []
    target = draw(st.one_of(st.none(), versions))
    return on_disk, rows, live, failed, changed, target, draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(histories())
def test_any_history_gives_a_sorted_complete_plan_or_refuses_what_it_must(history):
    on_disk, rows, live, failed, changed, target, out_of_order = history
    migrations = files(on_disk, changed)
    live_keys = set(migration_version_key(v) for v in live)
    target_key = migration_version_key(target) if target is not None else None
    wanted = sorted(k for k in (migration_version_key(v) for v in on_disk)
                    if k not in live_keys and (target_key is None or k <= target_key))
    highest = max(live_keys) if live_keys else None
    late = [k for k in wanted if highest is not None and k < highest]
    must_refuse = bool(failed) or bool(changed) or (late and not out_of_order)
    try:
        plan = plan_apply(migrations, rows, 'comments', target, out_of_order)
    except PlanError as e:
        assert must_refuse, e.problems
        text = '; '.join(e.problems)
        if failed:
            assert 'failed outside a transaction' in text
        if changed:
            assert 'V%s__step.sql changed after it was applied' % changed[0] in text
        if late and not out_of_order and not failed and not changed:
            assert len(e.problems) == len(late)
        return
    assert not must_refuse, (rows, live, failed, changed)
    keys = [s.key for s in plan.scripts]
    assert keys == sorted(keys), 'sorted'
    assert keys == wanted, 'complete: every pending version up to the target, nothing else'
    # Applying the plan leaves nothing pending, and the recorded version is the highest applied.
    after = rows + [row(s.version) for s in plan.scripts]
    again = plan_apply(migrations, after, 'comments', target, True)
    assert again.scripts == []
    if keys or live_keys:
        assert migration_version_key(plan.after) == max(set(keys) | live_keys)


@settings(max_examples=200, deadline=None)
@given(histories(), versions)
def test_undo_then_apply_comes_back_to_the_same_versions(history, target):
    on_disk, rows, live, failed, changed, _target, _out_of_order = history
    if failed or changed:
        return
    migrations = files(on_disk)
    plan = plan_undo(migrations, rows, 'comments', target)
    target_key = migration_version_key(target)
    undone = [s.key for s in plan.scripts]
    assert undone == sorted(undone, reverse=True), 'newest first'
    assert set(undone) == set(k for k in (migration_version_key(v) for v in live) if k > target_key)
    after = rows + [row(s.version, 'undo') for s in plan.scripts]
    redo = plan_apply(migrations, after, 'comments', None, True)
    assert set(s.key for s in redo.scripts) >= set(undone)


releases = st.builds(SemVer, st.integers(0, 6), st.integers(0, 6), st.integers(0, 6))
prereleases = st.builds(lambda v, n: SemVer(v.major, v.minor, v.patch, ('rc', n)), releases, st.integers(0, 3))
any_versions = st.one_of(releases, prereleases)
comparators = st.builds(lambda op, v: '%s%s' % (op, v), st.sampled_from(['>=', '>', '<=', '<', '=', '^', '~']),
                        any_versions)
wildcards = st.builds(lambda v, form: form.format(v), releases, st.sampled_from(['{0.major}.x', '{0.major}.{0.minor}.x', '*']))
simple = st.one_of(comparators, wildcards)


@settings(max_examples=300, deadline=None)
@given(simple, simple, any_versions)
def test_ranges_combine_as_sets(left, right, version):
    a, b = parse_range(left), parse_range(right)
    assert parse_range('%s,%s' % (left, right)).allows(version) == (
        a.allows(version) and b.allows(version)) or version.prerelease, 'a comma is an intersection'
    assert parse_range('%s || %s' % (left, right)).allows(version) == (a.allows(version) or b.allows(version))


@settings(max_examples=300, deadline=None)
@given(st.lists(simple, min_size=1, max_size=3), any_versions)
def test_a_range_reads_back_from_its_own_text(parts, version):
    first = parse_range(','.join(parts))
    assert parse_range(first.text).allows(version) == first.allows(version)
    if first.allows(version):
        assert not first.is_empty()


@given(simple)
def test_a_range_nothing_satisfies_is_refused_as_a_dependency(text):
    from ansible_collections.blogops.release.plugins.module_utils._dependencies import check_dependencies
    empty = parse_range('%s,<0.0.0-0' % text)
    assert empty.is_empty()
    with pytest.raises(ValueError, match='no version satisfies'):
        check_dependencies('comments', {'core': empty.text})
