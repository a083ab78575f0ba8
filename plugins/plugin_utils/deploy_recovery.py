# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a deploy records before it changes anything, and what a later run does with a dead deploy.

The checkpoint goes into the deploy's history row at the step ``upload``, before the first file or
schema change: the release being deployed, each app host's ``current`` and ``previous`` releases
and whether the host had the release already, the blog module's ``module_version`` row and schema
version. A run that finds the row of a dead deploy chooses from the checkpoint and the real state:

- ``close``: no checkpoint, so the deploy died before changing anything (at its backup): only the
  row is closed;
- ``finish``: ``module_version`` already holds the new release and every host's ``current`` points
  to it, so the deploy died after its record: verify, then close it as deployed;
- ``rollback``: anything else: the rollback role puts the links, the release, the schema and the
  ``module_version`` row back to the checkpoint;
- ``refuse``: the deploy touched hosts that this run does not reach.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CHECKPOINT_FORMAT = 1


def _id(release):
    """A release id from the release module's query result (a dict with ``id``), or the id itself."""
    return release.get('id') if isinstance(release, dict) else release


def build_checkpoint(source, database, hosts):
    """The checkpoint of a deploy of ``source`` (blog_source's module) from ``database`` (preflight's
    module_version row and schema version) on ``hosts``: {host: the release module's query result}."""
    release_id = source['release_id']
    return dict(
        format=CHECKPOINT_FORMAT,
        release=dict(id=release_id, version=source['version'], checksum=source['checksum'],
                     schema_version=source.get('schema_version')),
        module_version=database.get('module_version') or None,
        schema_version=database.get('schema_version') or None,
        links=dict((host, dict(current=_id(state.get('current')), previous=_id(state.get('previous'))))
                   for host, state in sorted(hosts.items())),
        had_release=sorted(host for host, state in hosts.items()
                           if release_id in [_id(r) for r in state.get('releases') or []]),
    )


def recovery_plan(row, recorded, hosts):
    """What to do with the dead deploy ``row``: a dict with ``action``, ``reason`` and, for each host of
    this run, the ``links`` to set and the release to ``discard`` when rolling back.

    ``recorded`` is the blog module's module_version row now (or None); ``hosts`` maps each app host
    of this run to its links now, ``{'current': release id or None, 'previous': ...}``.
    """
    checkpoint = row.get('checkpoint')
    step = (row.get('message') or 'none recorded').replace('step: ', '')
    plan = dict(links=dict((host, _links(checkpoint, host, state)) for host, state in hosts.items()),
                discard=dict((host, _discarded(checkpoint, host)) for host in hosts))
    if not checkpoint:
        plan.update(action='close', reason='it died at step %s, before changing files or schema' % step)
        return plan
    missing = sorted(set(checkpoint.get('links') or {}) - set(hosts))
    if missing:
        plan.update(action='refuse', reason='it changed hosts that this run does not reach: %s; run again with the '
                    'inventory of that deploy' % ', '.join(missing))
        return plan
    release = checkpoint['release']
    recorded = recorded or {}
    switched = [host for host in sorted(checkpoint['links']) if (hosts[host] or {}).get('current') == release['id']]
    if (recorded.get('version') == release['version'] and recorded.get('checksum') == release['checksum']
            and len(switched) == len(checkpoint['links'])):
        plan.update(action='finish', reason='it died at step %s, after it had switched every host to %s and recorded '
                    'it' % (step, release['id']))
        return plan
    plan.update(action='rollback', reason='it died at step %s, with %d of %d host(s) switched to %s and module_version '
                'at %s' % (step, len(switched), len(checkpoint['links']), release['id'],
                           recorded.get('version') or 'no row'))
    return plan


def _links(checkpoint, host, state):
    """The links the rollback role sets on ``host``: the checkpoint's, or (a host the deploy never
    reached) the ones it has now, so that nothing changes there."""
    links = (checkpoint or {}).get('links') or {}
    if host in links:
        return dict(links[host])
    state = state or {}
    return dict(current=state.get('current'), previous=state.get('previous'))


def _discarded(checkpoint, host):
    """The release the dead deploy uploaded to ``host``, to remove; '' when the host had it before."""
    if not checkpoint or host not in (checkpoint.get('links') or {}) or host in (checkpoint.get('had_release') or []):
        return ''
    return checkpoint['release']['id']
