# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The migration planner: scripts on disk + one blog module's schema_version rows -> what to run.

Pure functions, no database: the module reads the rows, asks for a plan, and runs it. Every
refusal is a PlanError whose ``problems`` each name the script or the version concerned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._migration_version import migration_version_key
from ansible_collections.blogops.release.plugins.module_utils._schema_history import applied_versions, unresolved_failures


class PlanError(ValueError):
    """The run must not start; ``problems`` says why, one entry per script or version."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(PlanError, self).__init__('; '.join(self.problems))


class Plan:
    """What a run does: ``scripts`` in the order they run, and the schema version before and after."""

    def __init__(self, scripts, before, after, missing=()):
        self.scripts = scripts
        self.before = before
        self.after = after
        self.missing = list(missing)


class Step:
    """Scripts that run together: in one transaction, or one script alone outside any."""

    def __init__(self, scripts, in_transaction, reason=None):
        self.scripts = scripts
        self.in_transaction = in_transaction
        self.reason = reason


def _version_of(applied):
    return applied[max(applied)]['version'] if applied else None


def _where(module_name, row):
    script = row.get('script')
    return "%s (schema version %s of blog module '%s')" % (script, row['version'], module_name) if script else \
        "schema version %s of blog module '%s'" % (row['version'], module_name)


def history_problems(module_name, rows, migration_set=None):
    """Why the history forbids a run: failed rows not yet repaired, applied scripts that changed."""
    problems = []
    for row in unresolved_failures(rows):
        problems.append(
            '%s failed outside a transaction (schema_version row %s, %s, success=false), so it may be partly applied; '
            'later runs stop until you check the database, make it right, and run state=repair'
            % (_where(module_name, row), row.get('id'), row['kind']))
    if migration_set is not None:
        for key, row in sorted(applied_versions(rows).items()):
            script = migration_set.migrations.get(key)
            if script is None or row['kind'] != 'migrate' or not row.get('checksum'):
                continue
            if script.checksum != row['checksum']:
                problems.append('%s changed after it was applied: checksum %s when applied, %s now; restore the '
                                'script, or run state=repair to accept the change' % (script.script, row['checksum'],
                                                                                      script.checksum))
    return problems


def _baseline_key(applied):
    keys = [key for key, row in applied.items() if row['kind'] == 'baseline']
    return max(keys) if keys else None


def plan_apply(migration_set, rows, module_name, target_version=None, out_of_order=False):
    """The migrations to apply, lowest version first; raises PlanError when the run must not start.

    A migration is pending when its version is not applied, is above the newest baseline and
    not above ``target_version``. A pending version below the highest applied one is refused
    unless ``out_of_order``.
    """
    problems = history_problems(module_name, rows, migration_set)
    applied = applied_versions(rows)
    highest = max(applied) if applied else None
    baseline = _baseline_key(applied)
    target = migration_version_key(target_version) if target_version is not None else None
    pending = []
    for script in migration_set.ordered_migrations():
        if script.key in applied or (baseline is not None and script.key <= baseline):
            continue
        if target is not None and script.key > target:
            break
        if highest is not None and script.key < highest and not out_of_order:
            problems.append('%s is pending but version %s of blog module \'%s\' is already applied; set '
                            'out_of_order: true to apply it anyway' % (script.script, applied[highest]['version'],
                                                                       module_name))
            continue
        pending.append(script)
    if problems:
        raise PlanError(problems)
    missing = [row for key, row in sorted(applied.items())
               if row['kind'] == 'migrate' and key not in migration_set.migrations]
    after = dict(applied)
    after.update((script.key, dict(version=script.version)) for script in pending)
    return Plan(pending, _version_of(applied), _version_of(after), missing)


def plan_undo(migration_set, rows, module_name, target_version):
    """The undo scripts that take the blog module down to ``target_version``, newest first."""
    problems = history_problems(module_name, rows, migration_set)
    applied = applied_versions(rows)
    target = migration_version_key(target_version)
    undos = []
    for key in sorted((key for key in applied if key > target), reverse=True):
        row = applied[key]
        if row['kind'] == 'baseline':
            problems.append("schema version %s of blog module '%s' is a baseline: there is no migration to undo "
                            "below it" % (row['version'], module_name))
        elif key not in migration_set.undos:
            name = migration_set.migrations[key].script if key in migration_set.migrations else row.get('script')
            problems.append('%s is applied and has no undo script U%s__<description>.sql in %s'
                            % (name or 'schema version %s' % row['version'], row['version'], migration_set.path))
        else:
            undos.append(migration_set.undos[key])
    if problems:
        raise PlanError(problems)
    after = dict((key, row) for key, row in applied.items() if key <= target)
    return Plan(undos, _version_of(applied), _version_of(after))


def plan_baseline(rows, module_name, baseline_version):
    """True when a baseline row must be added; raises PlanError when the history is not empty."""
    problems = history_problems(module_name, rows)
    applied = applied_versions(rows)
    key = migration_version_key(baseline_version)
    if list(applied) == [key] and applied[key]['kind'] == 'baseline':
        if problems:
            raise PlanError(problems)
        return False
    if applied:
        problems.append("blog module '%s' already has applied schema versions (%s); a baseline is only for a "
                        "blog module without history" % (module_name, ', '.join(applied[k]['version'] for k in sorted(applied))))
    if problems:
        raise PlanError(problems)
    return True


def plan_repair(migration_set, rows, module_name):
    """The repair rows to add, one per version: changed checksums accepted, failed rows cleared."""
    applied = applied_versions(rows)
    failures = dict((migration_version_key(row['version']), row) for row in unresolved_failures(rows))
    repairs = []
    for key in sorted(set(applied) | set(failures)):
        row = applied.get(key)
        script = migration_set.migrations.get(key)
        reasons = []
        old = row['checksum'] if row else None
        new = old
        if row and row['kind'] == 'migrate' and row.get('checksum') and script and script.checksum != row['checksum']:
            reasons.append('checksum')
            new = script.checksum
        failed = failures.get(key)
        if failed:
            reasons.append('failed')
            if new is None:
                new = script.checksum if script else failed.get('checksum')
        if reasons:
            repairs.append(dict(version=(row or failed)['version'], script=script.script if script else (row or failed).get('script'),
                                reasons=reasons, old_checksum=old, checksum=new,
                                cleared_row_id=failed.get('id') if failed else None))
    return repairs


def group_steps(scripts, transaction='all', server_version=None):
    """Split ``scripts`` (in run order) into steps: with ``all`` consecutive scripts share a
    transaction, with ``each`` every script has its own; a script that cannot run in a
    transaction always runs alone outside one."""
    steps = []
    for script in scripts:
        reason = script.outside_transaction_reason(server_version)
        if reason is not None:
            steps.append(Step([script], False, reason))
        elif transaction == 'all' and steps and steps[-1].in_transaction:
            steps[-1].scripts.append(script)
        else:
            steps.append(Step([script], True))
    return steps
