# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bookkeeping of a deploy over several app hosts: which hosts a step failed on and why,
whether a batch of a rolling deploy failed more hosts than allowed, and the one-line report.

A deploy never lets Ansible fail a host by itself: a failed ``run_once`` task, or any failure
with ``any_errors_fatal``, drops the other hosts from the rescue and from later plays, and a
host that cannot be reached is dropped without a rescue at all. The deploy registers each
step's results instead (with ``ignore_errors`` / ``ignore_unreachable``), reads them here and
decides for every host at once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

HOST_FAILURE_POLICIES = ('rollback_all', 'halt')


def task_failure(result):
    """None when a registered task result succeeded, was skipped or is missing; else dict(unreachable, msg)."""
    if not isinstance(result, dict):
        return None
    if result.get('unreachable'):
        return dict(unreachable=True, msg=_cause(result, 'the host cannot be reached'))
    if result.get('failed'):
        return dict(unreachable=False, msg=_cause(result, 'unknown cause'))
    return None


def _cause(result, default):
    for key in ('msg', 'stderr', 'module_stderr'):
        text = result.get(key)
        if text:
            return ' '.join(str(text).split())
    return default


def failures(results_by_host):
    """The failed or unreachable hosts of a step, in the order given: [dict(host, unreachable, msg, text)].

    ``results_by_host`` is a list of (host, registered result or None) pairs.
    """
    found = []
    for host, result in results_by_host:
        failure = task_failure(result)
        if failure:
            failure.update(host=host, text=describe_host_failure(host, failure))
            found.append(failure)
    return found


def describe_host_failure(host, failure):
    if failure['unreachable']:
        return 'on %s (unreachable): %s' % (host, failure['msg'])
    return 'on %s: %s' % (host, failure['msg'])


def clause(text):
    """``text`` as a clause of a sentence joined with '; ': without its closing full stop (an ellipsis stays)."""
    text = str(text).rstrip()
    if text.endswith('.') and not text.endswith('..'):
        return text[:-1]
    return text


def deploy_failure(module, version, step, failed):
    """The report of a failed step: 'deploy of comments 1.4.0 failed at upload on blog-app-2: <cause>'."""
    places = '; '.join(clause(f['text'] if isinstance(f, dict) else f) for f in failed) or 'on an unknown host: unknown cause'
    return 'deploy of %s %s failed at %s %s' % (module, version, step, places)


def percentage(value):
    """max_fail_percentage as a number 0-100; accepts 30, '30' and '30%'."""
    text = str(value).strip()
    if text.endswith('%'):
        text = text[:-1]
    try:
        number = float(text)
    except ValueError:
        raise ValueError('max_fail_percentage must be a number from 0 to 100, got %r' % (value,))
    if not 0 <= number <= 100:
        raise ValueError('max_fail_percentage must be a number from 0 to 100, got %r' % (value,))
    return number


def batch_stops_rollout(failed, batch_size, max_fail_percentage):
    """Whether a batch with ``failed`` failed hosts out of ``batch_size`` stops the rollout.

    As Ansible's max_fail_percentage: the rollout stops when more than that share of the batch
    failed; 0 stops it at the first failed host, 100 never does.
    """
    if failed <= 0 or batch_size <= 0:
        return False
    return failed * 100.0 > percentage(max_fail_percentage) * batch_size


def host_outcomes(deploy_outcome, hosts):
    """The final outcome of every host: ``hosts`` maps host -> dict(rollout, reverted).

    ``rollout`` is where the rollout left the host (``switched``, ``failed``, ``unreachable``,
    ``skipped`` when it stopped before the host's batch, ``pending`` when it never began, ``live``
    when there was nothing to deploy); ``reverted`` is False when the rollback could not reach it.
    """
    outcomes = {}
    for host, state in hosts.items():
        rollout = state.get('rollout') or 'pending'
        if rollout == 'unreachable' or state.get('reverted') is False:
            outcome = 'unreachable'
        elif deploy_outcome == 'unchanged':
            outcome = 'unchanged'
        elif rollout == 'failed':
            outcome = 'failed'
        elif deploy_outcome == 'deployed':
            outcome = 'deployed' if rollout == 'switched' else 'not_switched'
        elif deploy_outcome == 'would_deploy':
            outcome = 'would_deploy'
        elif deploy_outcome == 'halted':
            outcome = 'switched' if rollout == 'switched' else 'not_switched'
        elif deploy_outcome == 'rolled_back':
            outcome = 'rolled_back'
        else:
            outcome = 'failed'
        outcomes[host] = outcome
    return outcomes


def _hosts(host_outcomes, *states):
    return [host for host, outcome in host_outcomes.items() if outcome in states]


def _listed(hosts):
    return ', '.join(hosts) or 'no host'


def _agree(hosts, singular, plural):
    """The verb phrase that agrees with the list of hosts: 'keeps its release' / 'keep their release'."""
    return singular if len(hosts) == 1 else plural


def deploy_report(host_outcomes, outcome, failure='', host_failures=None, recorded_version=None, rollback_failure=''):
    """The one message of a deploy: what failed, what was done about it, and what is left to do.

    ``host_outcomes`` is what host_outcomes() returned, ``host_failures`` maps a host to why it
    failed ('on blog-app-2: ...'), ``recorded_version`` is the version module_version held before.
    """
    host_failures = host_failures or {}
    unreachable = _hosts(host_outcomes, 'unreachable')
    if outcome in ('deployed', 'unchanged', 'would_deploy'):
        parts = ['would deploy (check mode: nothing was changed)' if outcome == 'would_deploy' else outcome]
        failed = _hosts(host_outcomes, 'failed', 'unreachable')
        if failed:
            parts.append('except on %s, %s: %s'
                         % (_listed(failed), _agree(failed, 'which stays on its release', 'which stay on their release'),
                            '; '.join(clause(host_failures.get(h, 'on %s: unknown cause' % h)) for h in failed)))
    else:
        parts = [clause(failure or 'the deploy failed')]
        if rollback_failure:
            parts.append('THE ROLLBACK FAILED TOO, %s; check the hosts and the database by hand' % rollback_failure)
        elif outcome == 'rolled_back':
            parts.append('everything was rolled back' + (' except on %s' % _listed(unreachable) if unreachable else ''))
        elif outcome == 'halted':
            kept = _hosts(host_outcomes, 'failed', 'not_switched')
            parts.append('the rollout halted: the new release is live on %s; %s %s; the database stays '
                         'migrated and module_version still records %s: re-run the deploy to finish it, or run the '
                         'rollback playbook to undo it'
                         % (_listed(_hosts(host_outcomes, 'switched')), _listed(kept),
                            _agree(kept, 'keeps its release', 'keep their release'), recorded_version or 'no version'))
    if unreachable:
        parts.append('%s could not be reached: when %s back, check %s and re-run the deploy'
                     % (_listed(unreachable), 'it is' if len(unreachable) == 1 else 'they are',
                        'it' if len(unreachable) == 1 else 'them'))
    return '; '.join(parts)


def rollout_summary(failure, failed_step, stopped, on_host_failure, failed_hosts, module, version):
    """The deploy's failure once the rollout is over: dict(failure, failed_step, halted).

    An earlier failure (``failure``, at ``failed_step``) stands. Otherwise a rollout that ``stopped``
    fails the deploy at the step of its first failed host, ``failed_hosts`` in host order, each a pair
    (why it failed there, at which step); with ``on_host_failure`` ``halt`` the deploy is halted
    rather than put back, but its failure message still says what failed.
    """
    if failure or not stopped:
        return dict(failure=failure or '', failed_step=failed_step or '', halted=False)
    failed_hosts = [list(pair) for pair in failed_hosts or []]
    step = failed_hosts[0][1] if failed_hosts else 'switch'
    return dict(failure=deploy_failure(module, version, step, [why for why, _step in failed_hosts]),
                failed_step=step, halted=on_host_failure == 'halt')


def decide_outcome(halted, failure, needed, check_mode):
    """What the deploy came to before any rollback: ``halted``, ``failed``, ``unchanged`` (nothing to deploy),
    ``would_deploy`` (check mode) or ``deployed``."""
    if halted:
        return 'halted'
    if failure:
        return 'failed'
    if not needed:
        return 'unchanged'
    return 'would_deploy' if check_mode else 'deployed'
