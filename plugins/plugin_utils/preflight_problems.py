# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's failed checks, gathered from its three reads into one list of problems, each saying where it is.

GATHER lists the kinds of problem in the order the failure message lists them. Each is a function of a
PreflightResults returning a list of sentences. A check added to the database read (module_utils/_preflight_database,
READS) reports here by a function appended to GATHER, reading its key of ``database``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._dependencies import dependency_problems
from ansible_collections.blogops.release.plugins.module_utils._deploy_history import describe_deploy


def _failed(result):
    return bool(result) and bool(result.get('failed'))


def _unreachable(result):
    return bool(result) and bool(result.get('unreachable'))


def _prefixed(prefix, messages):
    return ['%s: %s' % (prefix, message) for message in messages]


class PreflightResults:
    """The results preflight registered: ``source`` (blog_source), ``database`` (preflight_database, run once on
    ``database_host``) and ``hosts``, {app host: its preflight_app_host result}, in the order of the play."""

    def __init__(self, module_name, source, database, hosts, database_host):
        self.module_name = module_name
        self.source = source or {}
        self.database = database or {}
        self.hosts = hosts or {}
        self.database_host = database_host

    def database_read(self):
        """The database read's result when the module ran, else None (unreachable, failed as a whole, skipped)."""
        if _failed(self.database) or _unreachable(self.database) or 'errors' not in self.database:
            return None
        return self.database

    def error(self, name):
        read = self.database_read()
        return (read['errors'].get(name) or None) if read else None


def source_problems(results):
    source = results.source
    if not _failed(source):
        return []
    return _prefixed('source', source['problems'] if 'problems' in source else [source.get('msg') or 'unknown cause'])


def database_problems(results):
    read = results.database_read()
    if read is None:
        return _prefixed('database', [results.database.get('msg') or 'unreachable'])
    return _prefixed('database', [e for e in (results.error('connection'), results.error('installed'),
                                              results.error('schema')) if e])


def dependency_problems_of(results):
    read = results.database_read()
    if read is None or read.get('installed') is None or _failed(results.source) or 'module' not in results.source:
        return []
    module = results.source['module']
    return _prefixed('dependencies', dependency_problems(results.module_name, module['version'],
                                                         module.get('requires') or {}, read['installed']))


def migration_problems(results):
    return _prefixed('migrations', [e for e in [results.error('migrations')] if e])


def lint_problems(results):
    """Each error finding on its own; warnings the read shows itself and the deploy goes on."""
    read = results.database_read()
    errors = ((read or {}).get('lint') or {}).get('errors') or []
    return _prefixed('lint', errors or [e for e in [results.error('lint')] if e])


def running_problems(results):
    read = results.database_read()
    if read is None or read.get('installed') is None:
        return []
    return _prefixed('deploy in progress', [describe_deploy(row) for row in read.get('in_progress') or []
                                            if row.get('module_name') == results.module_name])


def drift_problems(results):
    """One problem naming every difference between the schema and the last deploy's snapshot, unless drift is
    allowed (the read then warned of each); none before the first snapshot."""
    drift = (results.database_read() or {}).get('schema_drift') or {}
    if results.error('schema_drift'):
        return _prefixed('schema drift', [results.error('schema_drift')])
    if drift.get('allowed') or not drift.get('messages'):
        return []
    return ['schema drift (changed outside a deploy; undo it, or allow it with blog_allow_drift): '
            + '; '.join(drift['messages'])]


def backup_problems(results):
    read = results.database_read()
    if read is None:
        # Unreachable, the backup directory could not be checked either.
        found = [results.database.get('msg') or 'unreachable'] if _unreachable(results.database) else []
    else:
        found = list((read.get('backup_dir') or {}).get('problems') or [])
        found += [e for e in [results.error('backup_dir')] if e]
    return _prefixed('database host %s' % results.database_host, found)


def host_problems(results):
    found = []
    for host, result in results.hosts.items():
        result = result or {}
        if _unreachable(result):
            found.append('%s: unreachable: %s' % (host, result.get('msg') or ''))
        elif _failed(result):
            found.append('%s: %s' % (host, result.get('msg') or 'unknown cause'))
        else:
            found.extend(_prefixed(host, result.get('problems') or []))
    return found


GATHER = [source_problems, database_problems, dependency_problems_of, migration_problems, lint_problems,
          running_problems, drift_problems, backup_problems, host_problems]


def preflight_problems(module_name, source, database, hosts, database_host, gather=None):
    """Every failed check of a preflight, in the order of GATHER."""
    results = PreflightResults(module_name, source, database, hosts, database_host)
    return [problem for kind in (GATHER if gather is None else gather) for problem in kind(results)]


OPEN_DEPLOYS = ('refuse', 'report')


def left_to_recover(module_name, database, open_deploys='refuse'):
    """The open deploys of ``module_name`` that preflight leaves to the recover role instead of refusing them: with
    ``open_deploys`` ``report``, those the database read found, their runs judged on the controller; none with
    ``refuse``, nor when the read did not run. Preflight stops at them before gathering problems: what it read is
    then the state a dead run left (drift after a killed migration), which the recovery puts back first."""
    if open_deploys not in OPEN_DEPLOYS:
        raise ValueError('open_deploys is %r; allowed: %s' % (open_deploys, ', '.join(OPEN_DEPLOYS)))
    read = PreflightResults(module_name, None, database, None, None).database_read()
    if open_deploys == 'refuse' or read is None or read.get('installed') is None:
        return []
    return [row for row in read.get('in_progress') or [] if row.get('module_name') == module_name]
