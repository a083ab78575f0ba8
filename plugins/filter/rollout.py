# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError, AnsibleUndefinedVariable
from ansible.module_utils.parsing.convert_bool import boolean
from ansible_collections.blogops.release.plugins.plugin_utils import rollout


def _registered(hostvars, host, variable):
    try:
        return hostvars[host][variable]
    except (KeyError, AnsibleUndefinedVariable):
        return None


def _first_failure(hostvars, host, names):
    results = (_registered(hostvars, host, name) for name in names)
    return next((result for result in results if rollout.task_failure(result)), None)


def step_failures(hostvars, hosts, variables, place=None):
    """The hosts where a registered result of ``variables`` (a name or a list) failed or was unreachable, with the
    first such result; ``place`` names the place instead of the host (\"database host db1\")."""
    names = [variables] if isinstance(variables, str) else list(variables)
    try:
        return rollout.failures([(place or host, _first_failure(hostvars, host, names)) for host in hosts])
    except TypeError as e:
        raise AnsibleFilterError('blogops.release.step_failures expects hostvars, a list of hosts and a name: %s' % e)


def deploy_failure(failed, module, version, step):
    return rollout.deploy_failure(module, version, step, failed or [])


def rollout_stops(failed, batch_size, max_fail_percentage=0):
    try:
        return rollout.batch_stops_rollout(int(failed), int(batch_size), max_fail_percentage)
    except ValueError as e:
        raise AnsibleFilterError('blogops.release.rollout_stops: %s' % e)


def host_outcomes(hostvars, hosts, deploy_outcome, rollout_fact, put_back_result):
    """Each host's outcome from its fact ``rollout_fact`` (where the rollout left it) and whether the rollback's
    registered result ``put_back_result`` reached it: the caller names its variables."""
    states = {}
    for host in hosts:
        reverted = rollout.task_failure(_registered(hostvars, host, put_back_result))
        states[host] = dict(rollout=_registered(hostvars, host, rollout_fact),
                            reverted=not (reverted and reverted['unreachable']))
    return rollout.host_outcomes(deploy_outcome, states)


def host_failures(hostvars, hosts, rollout_fact, failure_fact):
    """Host -> why the rollout failed there (its fact ``failure_fact``), for the hosts whose ``rollout_fact`` says it
    failed."""
    found = {}
    for host in hosts:
        if _registered(hostvars, host, rollout_fact) in ('failed', 'unreachable'):
            found[host] = _registered(hostvars, host, failure_fact) or 'on %s: unknown cause' % host
    return found


def deploy_report(host_outcomes, outcome, failure='', host_failures=None, recorded_version=None, rollback_failure=''):
    return rollout.deploy_report(host_outcomes or {}, outcome, failure, host_failures, recorded_version, rollback_failure)


def rollout_summary(failed_hosts, failure, failed_step, stopped, on_host_failure, module, version):
    try:
        return rollout.rollout_summary(failure, failed_step, boolean(stopped), on_host_failure, failed_hosts, module, version)
    except (TypeError, ValueError, IndexError) as e:
        raise AnsibleFilterError('blogops.release.rollout_summary expects a list of [failure, step] pairs: %s' % e) from e


def outcome_filter(halted, failure, needed, check_mode):
    # A fact may come back as text ("False"): read flags as Ansible does.
    return rollout.decide_outcome(boolean(halted), failure, boolean(needed), boolean(check_mode))


class FilterModule(object):
    def filters(self):
        return {
            'step_failures': step_failures,
            'deploy_failure': deploy_failure,
            'rollout_stops': rollout_stops,
            'host_outcomes': host_outcomes,
            'host_failures': host_failures,
            'deploy_report': deploy_report,
            'rollout_summary': rollout_summary,
            'deploy_outcome': outcome_filter,
        }
