# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a rollback undoes, read from the blog module's history, and where each app host goes back to.

The deploys still in effect form a stack, replayed from the history oldest first: a deploy that went
through (``deployed``), or that halted part way (``halted``: its rollout stopped with blogops_release_on_host_failure=halt,
leaving the new release on some hosts and the schema migrated), is pushed; a successful rollback pops
the deploys down to the version it went back to. A deploy that its own rescue rolled back, or that failed
without changing anything, was never in effect.

A rollback undoes the top of the stack, or with a requested version every deploy down to the one that
brought it (or, below the first deploy, to nothing). Everything it returns to comes from the checkpoint of
the oldest deploy it undoes (deploy_recovery.build_checkpoint: each host's links, the module_version row
and the schema version before that deploy); its backup is the one to restore when undo scripts cannot
take the schema back.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._backup_sidecar import validate_sidecar
from ansible_collections.blogops.release.plugins.module_utils._semver import EXAMPLE, InvalidVersion, SemVer
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import history_status

# A rollback run's history row starts with this in its message (the rollback playbook's note), which
# tells it from a deploy's row: both are opened by blogops.release.deployment.
ROLLBACK_NOTE = 'rollback '


# What the recover role did that is the whole of the rollback run: nothing is left to undo after it.
RECOVERY_ENDS = ('rolled_back', 'closed')


class RollbackRefused(ValueError):
    """A rollback that cannot be done: the message says why, and that nothing was changed."""


def is_rollback(row):
    return (row.get('message') or '').startswith(ROLLBACK_NOTE)


def is_halted(row):
    """A deploy that halted part way: status ``halted``, or stored as ``failed`` by an earlier release."""
    return history_status(row.get('status'), row.get('message')) == 'halted'


def requested_version(value):
    """The version asked for with blog_version: None when unset or empty (an AWX survey's empty field)."""
    if value is None or value == '':
        return None
    try:
        SemVer.parse(value)
    except InvalidVersion:
        raise RollbackRefused('blog_version must be a semantic version (%s) of a deploy to go back to, or empty for '
                              'the one before the newest deploy; got %s. Nothing was changed'
                              % (EXAMPLE, repr(value)[:80]))
    return value


def deploys_in_effect(history):
    """The deploys still in effect, oldest first, from history rows newest first (module_version_info's)."""
    stack = []
    for row in sorted(history, key=lambda r: r['id']):
        if is_rollback(row):
            if row.get('status') == 'rolled_back':
                _pop_to(stack, row.get('to_version'))
        elif row.get('status') == 'deployed' or is_halted(row):
            stack.append(row)
    return stack


def _pop_to(stack, version):
    """Pop the deploys above the newest one that brought ``version`` (all of them for None)."""
    while stack and stack[-1].get('to_version') != version:
        stack.pop()


def _newest(stack, version):
    for position in range(len(stack) - 1, -1, -1):
        if stack[position].get('to_version') == version:
            return position
    return None


def rollback_plan(history, blog_module, requested=None):
    """Which deploys a rollback of ``blog_module`` undoes and what it returns to.

    Returns a dict: ``undo`` (the history rows undone, newest first), ``from_version`` and ``to_version``
    (None: nothing, the blog module was not deployed before), ``backup`` (of the oldest deploy undone),
    ``checkpoint`` (of that deploy, or None), ``below`` (the deploy that brought ``to_version``, or None),
    ``halted`` (whether the newest deploy undone halted part way). Raises RollbackRefused.
    """
    target = requested_version(requested)
    stack = deploys_in_effect(history)
    if not stack:
        raise RollbackRefused('blog module %s has no deploy in effect to roll back (none recorded, or every one was '
                              'rolled back already). Nothing was changed' % blog_module)
    top = stack[-1]
    if target is None:
        start = len(stack) - 1
    else:
        if target == top.get('to_version'):
            raise RollbackRefused('%s %s is the version in effect: there is nothing to go back to. Nothing was changed'
                                  % (blog_module, target))
        below = _newest(stack[:-1], target)
        if below is not None:
            start = below + 1
        elif stack[0].get('from_version') == target:
            start = 0
        else:
            known = [stack[0].get('from_version')] if stack[0].get('from_version') else []
            known += [row.get('to_version') for row in stack[:-1]]
            raise RollbackRefused('no deploy of %s still in effect leads back to %s; the versions it can go back to: %s. '
                                  'Nothing was changed' % (blog_module, target, ', '.join(known) or 'none'))
    undone = stack[start:]
    oldest = undone[0]
    return dict(
        undo=list(reversed(undone)),
        from_version=top.get('to_version'),
        to_version=oldest.get('from_version'),
        backup=oldest.get('backup') or '',
        checkpoint=oldest.get('checkpoint') or None,
        below=stack[start - 1] if start > 0 else None,
        halted=is_halted(top),
    )


def _release_of(row):
    return ((row or {}).get('checkpoint') or {}).get('release', {}).get('id')


def host_links(plan, hosts):
    """Where each app host goes back to: {host: {'current': id or None, 'previous': id or None, 'discard': id or ''}}.

    ``hosts`` maps each app host to the release module's ``state=query`` result there (``current``, ``previous``,
    ``releases``). A host the oldest undone deploy recorded goes back to the links it had before it; any other
    host (added since) to the release that the deploy below brought, or the newest release of the version there.
    Going back to nothing removes the links and the release the undone deploy uploaded. Raises RollbackRefused
    when the release to return to is no longer on a host (pruned)."""
    links = (plan.get('checkpoint') or {}).get('links') or {}
    version = plan['to_version']
    result, missing = {}, []
    for host, state in sorted(hosts.items()):
        present = [r.get('id') for r in (state or {}).get('releases') or []]
        discard = ''
        if version is None:
            current, previous = None, None
            discard = next((_release_of(row) for row in plan['undo'] if _release_of(row) in present), '') or ''
        elif (links.get(host) or {}).get('current'):
            current, previous = links[host]['current'], links[host].get('previous')
        else:
            # A host that had no release of the blog module before the deploy (added to the inventory since):
            # it runs the version gone back to too, so that it agrees with module_version.
            current = _release_of(plan.get('below'))
            if current not in present:
                current = ([r for r in present if r.rsplit('-', 1)[0] == version] or [current])[-1]
            previous = None
        if version is not None and current not in present:
            missing.append('%s (release %s of version %s)' % (host, current or 'unknown', version))
        result[host] = dict(current=current, previous=previous if previous in present else None, discard=discard)
    if missing:
        raise RollbackRefused('cannot go back to %s: the release to return to is no longer on %s (removed by '
                              'keep_releases, or by hand); deploy %s again instead. Nothing was changed'
                              % (version, ', '.join(missing), version))
    return result


def after_deploy(summary, blog_module, recover_outcome='none', check_mode=False):
    """The rollback playbook's run after the deploy summary ``summary`` (the deploy's set_stats, which an AWX
    workflow passes on as ``blogops_release``; empty when run by hand).

    Returns ``nothing_to_undo`` (the deploy of ``blog_module`` before left nothing behind: only a halted one did, a
    deploy that rolled itself back or changed nothing did not, and undoing "the last deploy" then would undo the one
    before it), the ``message`` saying so, and the ``outcome`` the rollback's summary reports: nothing_to_undo,
    recovered (an unfinished deploy was rolled back or closed, and that was all), would_roll_back in check mode,
    or rolled_back."""
    summary = summary if isinstance(summary, dict) else {}
    nothing = summary.get('module', '') == blog_module and summary.get('outcome') != 'halted'
    message = ('the deploy of %s %s ended %s and left nothing to undo: %s'
               % (blog_module, summary.get('to_version'), summary.get('outcome'), summary.get('message'))) if nothing else ''
    if nothing:
        outcome = 'nothing_to_undo'
    elif recover_outcome in RECOVERY_ENDS:
        outcome = 'recovered'
    else:
        outcome = 'would_roll_back' if check_mode else 'rolled_back'
    return dict(nothing_to_undo=nothing, message=message, outcome=outcome)


def run_plan(history, blog_module, requested, host_releases, with_database=True):
    """Everything the rollback playbook decides before it changes anything: ``plan`` (rollback_plan), ``hosts``
    (host_links), ``error`` (the whole refusal message, '' when it may go on), ``read_sidecar`` (the versions to
    return to come from the backup's sidecar: the oldest deploy undone has no checkpoint) and ``note`` (the
    rollback's history message, which starts with ROLLBACK_NOTE)."""
    try:
        plan = rollback_plan(history or [], blog_module, requested)
        hosts = host_links(plan, host_releases or {})
    except RollbackRefused as e:
        return dict(plan={}, hosts={}, error='rollback of %s refused: %s' % (blog_module, e), read_sidecar=False, note='')
    error = ''
    if with_database and not plan['checkpoint'] and not plan['backup']:
        error = ('rollback of %s refused: no deploy of %s back to %s recorded the state before it (no checkpoint, no '
                 'backup). Nothing was changed; roll back the files only with -e blog_rollback_database=false'
                 % (blog_module, blog_module, plan['to_version'] or 'nothing'))
    # It starts with ROLLBACK_NOTE, which tells the row from a deploy's.
    note = 'rollback of %s %s to %s, undoing deploy %s' % (
        blog_module, plan['from_version'], plan['to_version'] or 'nothing', ', '.join(str(row['id']) for row in plan['undo']))
    return dict(plan=plan, hosts=hosts, error=error, read_sidecar=bool(with_database and not plan['checkpoint'] and not error),
                note=note)


def state_before(plan, sidecar, blog_module, with_database=True):
    """What the database of ``blog_module`` goes back to: {'schema_version': '' for none, 'module_version': {} for
    no row}, from the checkpoint of the oldest deploy undone, else from ``sidecar`` (the parsed sidecar of its
    backup, validated here). Nothing when the rollback leaves the database alone."""
    if not with_database:
        return dict(schema_version='', module_version={})
    before = plan.get('checkpoint')
    if not before:
        content = validate_sidecar(sidecar, plan['backup'])
        before = dict(module_version=content['module_versions'].get(blog_module),
                      schema_version=content['schema_versions'].get(blog_module))
    return dict(schema_version=before.get('schema_version') or '', module_version=before.get('module_version') or {})
