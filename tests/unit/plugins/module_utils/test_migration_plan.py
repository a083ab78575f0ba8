# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from hypothesis import assume, given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._migration_files import MigrationScript, MigrationSet
from ansible_collections.blogops.release.plugins.module_utils._migration_plan import (
    PlanError,
    group_steps,
    plan_apply,
    plan_baseline,
    plan_repair,
    plan_undo,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key


def make(kind, version, checksum=None, outside=None):
    name = '%s%s__step.sql' % (kind, version)
    found = MigrationScript(kind, version, 'step', name, '/m/' + name, 'SELECT 1;', checksum or 'c' + version)
    found.autocommit_reason = outside
    return found


def files(versions, undos=(), changed=()):
    migrations = dict((migration_version_key(v), make('V', v, 'changed' if v in changed else None)) for v in versions)
    return MigrationSet('/m', migrations, dict((migration_version_key(v), make('U', v)) for v in undos))


def row(version, kind='migrate', success=True, checksum=None, row_id=None):
    return dict(id=row_id, module_name='comments', version=version, kind=kind, success=success,
                checksum=checksum if checksum is not None else ('c' + version if kind == 'migrate' else None),
                script='V%s__step.sql' % version)


def problems(function, *args):
    with pytest.raises(PlanError) as error:
        function(*args)
    return error.value.problems


# --- examples ----------------------------------------------------------------------------------

def test_pending_is_every_unapplied_version_in_numeric_order():
    plan = plan_apply(files(['2', '1.10', '1', '1.2']), [row('1')], 'comments')
    assert [s.version for s in plan.scripts] == ['1.2', '1.10', '2']
    assert (plan.before, plan.after) == ('1', '2')


def test_target_version_stops_the_plan():
    plan = plan_apply(files(['1', '1.1', '2', '3']), [], 'comments', '2')
    assert [s.version for s in plan.scripts] == ['1', '1.1', '2']
    assert plan.after == '2'


def test_a_version_below_the_highest_applied_needs_out_of_order():
    assert problems(plan_apply, files(['1', '2', '3']), [row('1'), row('3')], 'comments') == [
        "V2__step.sql is pending but version 3 of blog module 'comments' is already applied; set out_of_order: true "
        'to apply it anyway']
    plan = plan_apply(files(['1', '2', '3']), [row('1'), row('3')], 'comments', None, True)
    assert [s.version for s in plan.scripts] == ['2']
    assert plan.after == '3'


def test_a_changed_script_names_both_checksums():
    assert problems(plan_apply, files(['1', '2'], changed=['1']), [row('1')], 'comments') == [
        'V1__step.sql changed after it was applied: checksum c1 when applied, changed now; restore the script, or '
        'run state=repair to accept the change']


def test_a_failed_row_blocks_everything_but_repair():
    rows = [row('1'), row('2', success=False, row_id=7)]
    for found in (problems(plan_apply, files(['1', '2', '3']), rows, 'comments'),
                  problems(plan_undo, files(['1', '2'], ['1']), rows, 'comments', '0'),
                  problems(plan_baseline, rows, 'comments', '1')):
        assert "V2__step.sql (schema version 2 of blog module 'comments') failed outside a transaction " \
               '(schema_version row 7, migrate, success=false)' in found[0]
        assert 'state=repair' in found[0]
    assert plan_repair(files(['1', '2']), rows, 'comments') == [
        dict(version='2', script='V2__step.sql', reasons=['failed'], old_checksum=None, checksum='c2', cleared_row_id=7)]
    repaired = rows + [row('2', kind='repair', checksum='c2')]
    assert [s.version for s in plan_apply(files(['1', '2', '3']), repaired, 'comments').scripts] == ['2', '3']


def test_repair_accepts_changed_checksums_and_a_failed_undo():
    rows = [row('1'), row('2'), row('2', kind='undo', success=False, row_id=9)]
    repairs = plan_repair(files(['1', '2'], ['2'], changed=['1']), rows, 'comments')
    assert repairs == [
        dict(version='1', script='V1__step.sql', reasons=['checksum'], old_checksum='c1', checksum='changed',
             cleared_row_id=None),
        dict(version='2', script='V2__step.sql', reasons=['failed'], old_checksum='c2', checksum='c2', cleared_row_id=9)]
    assert plan_repair(files(['1', '2']), [row('1'), row('2')], 'comments') == []


def test_baseline_hides_the_versions_up_to_it():
    rows = [row('2', kind='baseline')]
    plan = plan_apply(files(['1', '2', '2.1', '3']), rows, 'comments')
    assert [s.version for s in plan.scripts] == ['2.1', '3']
    assert plan_baseline(rows, 'comments', '2') is False
    assert plan_baseline(rows, 'comments', '2.0') is False
    assert plan_baseline([], 'comments', '2') is True
    assert problems(plan_baseline, rows + [row('3')], 'comments', '4') == [
        "blog module 'comments' already has applied schema versions (2, 3); a baseline is only for a blog module "
        'without history']


def test_undo_goes_newest_first_and_needs_every_undo_script():
    rows = [row('1'), row('1.1'), row('1.10'), row('2')]
    plan = plan_undo(files(['1', '1.1', '1.10', '2'], ['1.1', '1.10', '2']), rows, 'comments', '1')
    assert [s.version for s in plan.scripts] == ['2', '1.10', '1.1']
    assert (plan.before, plan.after) == ('2', '1')
    assert problems(plan_undo, files(['1', '1.1', '2'], ['2']), rows[:2] + rows[3:], 'comments', '0') == [
        'V1.1__step.sql is applied and has no undo script U1.1__<description>.sql in /m',
        'V1__step.sql is applied and has no undo script U1__<description>.sql in /m']
    assert problems(plan_undo, files(['3'], ['3']), [row('2', kind='baseline'), row('3')], 'comments', '1') == [
        "schema version 2 of blog module 'comments' is a baseline: there is no migration to undo below it"]


def test_applied_scripts_missing_on_disk_are_reported_not_refused():
    plan = plan_apply(files(['2']), [row('1'), row('2')], 'comments')
    assert (plan.scripts, [r['version'] for r in plan.missing]) == ([], ['1'])


def test_steps_share_a_transaction_except_scripts_that_cannot():
    scripts = [make('V', '1'), make('V', '2'), make('V', '3', outside='VACUUM at line 1'), make('V', '4'),
               make('V', '5')]
    steps = group_steps(scripts, 'all', 150000)
    assert [([s.version for s in step.scripts], step.in_transaction) for step in steps] == [
        (['1', '2'], True), (['3'], False), (['4', '5'], True)]
    assert steps[1].reason == 'VACUUM at line 1'
    each = group_steps(scripts, 'each', 150000)
    assert [([s.version for s in step.scripts], step.in_transaction) for step in each] == [
        (['1'], True), (['2'], True), (['3'], False), (['4'], True), (['5'], True)]


# --- properties --------------------------------------------------------------------------------

versions = st.lists(st.integers(0, 3), min_size=1, max_size=3).map(lambda parts: '.'.join(map(str, parts)))


def distinct(texts):
    seen = {}
    for text in texts:
        seen.setdefault(migration_version_key(text), text)
    return list(seen.values())


@given(st.lists(versions, min_size=1, max_size=12).map(distinct), st.data(), st.booleans())
def test_apply_plan_is_sorted_complete_and_refuses_what_it_must(on_disk, data, out_of_order):
    applied = data.draw(st.lists(st.sampled_from(on_disk), unique=True))
    rows = [row(v) for v in data.draw(st.permutations(applied))]
    keys = dict((migration_version_key(v), v) for v in on_disk)
    highest = max((migration_version_key(v) for v in applied), default=None)
    unapplied = sorted(k for k in keys if keys[k] not in applied)
    late = [k for k in unapplied if highest is not None and k < highest]
    if late and not out_of_order:
        found = problems(plan_apply, files(on_disk), rows, 'comments', None, out_of_order)
        assert len(found) == len(late)
        for key, problem in zip(late, found):
            assert problem.startswith('V%s__step.sql is pending' % keys[key])
        return
    plan = plan_apply(files(on_disk), rows, 'comments', None, out_of_order)
    pending = [s.key for s in plan.scripts]
    assert pending == sorted(pending)
    assert pending == unapplied
    assert plan.after == keys[max(keys)]
    steps = group_steps(plan.scripts, data.draw(st.sampled_from(['all', 'each'])))
    assert [s for step in steps for s in step.scripts] == plan.scripts


@given(st.lists(versions, min_size=1, max_size=10).map(distinct), st.data())
def test_undo_plan_takes_back_exactly_the_versions_above_the_target(on_disk, data):
    applied = data.draw(st.lists(st.sampled_from(on_disk), unique=True, min_size=1))
    undoable = data.draw(st.lists(st.sampled_from(on_disk), unique=True))
    target = data.draw(versions)
    target_key = migration_version_key(target)
    above = sorted((migration_version_key(v) for v in applied if migration_version_key(v) > target_key), reverse=True)
    rows = [row(v) for v in applied]
    undo_keys = set(migration_version_key(v) for v in undoable)
    if any(key not in undo_keys for key in above):
        found = problems(plan_undo, files(on_disk, undoable), rows, 'comments', target)
        assert len(found) == len([key for key in above if key not in undo_keys])
        return
    plan = plan_undo(files(on_disk, undoable), rows, 'comments', target)
    assert [s.key for s in plan.scripts] == above
    assert all(s.kind == 'U' for s in plan.scripts)
    remaining = [migration_version_key(v) for v in applied if migration_version_key(v) <= target_key]
    assert (migration_version_key(plan.after) if plan.after else None) == (max(remaining) if remaining else None)


@given(st.lists(versions, min_size=1, max_size=8).map(distinct), st.data())
def test_after_a_repair_nothing_blocks_the_run(on_disk, data):
    applied = data.draw(st.lists(st.sampled_from(on_disk), unique=True))
    failed = data.draw(st.lists(st.sampled_from(on_disk), unique=True))
    changed = data.draw(st.lists(st.sampled_from(applied), unique=True)) if applied else []
    assume(failed or changed)
    rows = [row(v) for v in sorted(applied, key=migration_version_key)]
    rows += [row(v, kind='undo' if v in applied else 'migrate', success=False) for v in failed]
    repairs = plan_repair(files(on_disk, changed=changed), rows, 'comments')
    assert sorted(r['version'] for r in repairs) == sorted(set(failed) | set(changed))
    rows += [row(r['version'], kind='repair', checksum=r['checksum']) for r in repairs]
    plan_apply(files(on_disk, changed=changed), rows, 'comments', None, True)
    assert plan_repair(files(on_disk, changed=changed), rows, 'comments') == []
