# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The recover role's decisions about an unfinished deploy found in the history: whether to look again, whether
its run may still be going (then refuse), what to put back, and what to report.

A run that this controller cannot see is judged from the database (plugin_utils/controller_run): while that
cannot tell (``unknown``), the role looks again within one lease. The same row with its heartbeat renewed
meanwhile is a live run. What to do with a dead run's deploy is deploy_recovery.recovery_plan's choice.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._deploy_history import DEFAULT_LEASE, describe_deploy

OUTCOMES = {'close': 'closed', 'finish': 'finished', 'rollback': 'rolled_back'}
_DONE = {'close': ('closed', 'nothing needed putting back'),
         'finish': ('finished', 'it is verified and recorded as deployed'),
         'rollback': ('rolled back', 'hosts, schema and module_version are back as they were before it')}


def _number(value):
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def lease(stale_after):
    """The lease in seconds: ``stale_after`` when it is a positive number, else the default."""
    return _number(stale_after) if _number(stale_after) > 0 else DEFAULT_LEASE


def _first(query):
    """The first deploy in progress of a deployment module query result, {} for none."""
    return (((query or {}).get('in_progress') or [{}])[0]) or {}


def lookup(query, wait=None, history_id=0, stale_after=None, module='', poll_interval=5):
    """What the role does with the deploy in progress that ``query`` found (deployment state=query), after
    the looks again of ``wait`` (the registered result of the retried query; None or skipped: none yet).

    Returns a dict: ``wait`` (look again: the run cannot be told alive or dead yet, and it is not the one that
    ``history_id`` names for recovery), ``settled`` (the looks again may stop), ``row`` (the deploy to recover,
    {} for none; a row that renewed its heartbeat meanwhile is alive) and ``refusal`` (why this run must not touch
    it, '' when it may), ``lease`` (seconds) and ``looks`` (how many times to look again at most: over one lease
    every ``poll_interval`` seconds, and two more)."""
    history_id = _number(history_id)
    seen = _first(query)
    latest = _first(wait)
    waited = bool(wait) and not wait.get('skipped')
    looks = (wait or {}).get('attempts', 1)
    settled = bool((wait or {}).get('failed')) or latest.get('run_state', '') != 'unknown' \
        or latest.get('id') != seen.get('id') or latest.get('heartbeat_at') != seen.get('heartbeat_at')
    if not waited:
        row = seen
    elif not latest or latest.get('id') != seen.get('id') or latest.get('heartbeat_at') == seen.get('heartbeat_at'):
        row = latest
    else:
        row = dict(latest, run_state='alive', run_reason='it renewed its heartbeat while this run waited (%s looks): %s'
                   % (looks, latest.get('run_reason')))
    refusal = ''
    if row and row.get('run_state') != 'dead' and row.get('id') != history_id:
        refusal = ('deploy in progress: %s; its run is alive: %s%s. Nothing was changed. If that run is still going, '
                   'wait for it; if you know it is dead, recover it with the rollback playbook and -e blog_module=%s '
                   '-e blog_recover_history_id=%s'
                   % (describe_deploy(row), row.get('run_reason'), '' if row.get('run_state') == 'alive' else
                      ' (still so after %s looks over the %s s lease)' % (looks, lease(stale_after)), module, row['id']))
    return dict(wait=seen.get('run_state', '') == 'unknown' and seen.get('id') != history_id, settled=settled, row=row,
                refusal=refusal, lease=lease(stale_after),
                looks=lease(stale_after) // max(_number(poll_interval), 1) + 2)


def rollback_args(plan, row, source, host):
    """What the rollback role puts ``host`` back to for the dead deploy ``row``: its arguments, from the recovery
    ``plan`` and the checkpoint. The undo scripts of ``source`` (blog_source's registered result) serve only when
    it holds the version that deploy brought; else the backup taken before it."""
    checkpoint = row.get('checkpoint') or {}
    module = (source or {}).get('module') or {}
    scripts = module.get('migrations_path') or '' if module.get('version', '') == row.get('to_version') else ''
    return dict(links=plan['links'][host], discard=plan['discard'][host],
                schema_version=checkpoint.get('schema_version') or '', migrations_path=scripts,
                backup=row.get('backup') or '', module_version=checkpoint.get('module_version') or {},
                history_id=row['id'])


def report(plan, row, module):
    """What the recovery did: ``outcome`` (closed, finished or rolled_back), the ``message`` saying so and the
    ``status`` that closes the deploy's history row."""
    done, tail = _DONE[plan['action']]
    message = '%s the unfinished deploy %s of %s %s -> %s: %s; %s; %s' % (
        done, row['id'], module, row.get('from_version') or '(none)', row.get('to_version'), row.get('run_reason'),
        plan['reason'], tail)
    outcome = OUTCOMES[plan['action']]
    return dict(outcome=outcome, message=message, status='deployed' if outcome == 'finished' else 'rolled_back')
