# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What preflight records, once every check passed, for the steps after it and for the rollback: the state to
return to."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _id(release):
    return (release or {}).get('id')


def state_to_return_to(module_name, source, database, app_host):
    """The facts preflight sets on an app host from its reads (blog_source's ``source``, the ``database`` read and
    the host's ``app_host`` read): ``source`` (the blog module as blog_source read it), ``database`` (its
    module_version row, its schema version and every recorded blog module), ``checkpoint`` (the host's current and
    previous release ids) and ``releases`` (the host's releases as the release module's state=query returns them)."""
    installed = (database or {}).get('installed') or {}
    releases = (app_host or {}).get('releases') or {}
    return dict(
        source=source['module'],
        database=dict(module_version=installed.get(module_name),
                      schema_version=((database or {}).get('schema_version') or {}).get('version'),
                      installed=installed),
        checkpoint=dict(current=_id(releases.get('current')), previous=_id(releases.get('previous'))),
        releases=releases,
    )
