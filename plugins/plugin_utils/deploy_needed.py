# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether a deploy has anything to do, from what preflight read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def deploy_needed(source, database, checkpoints):
    """False only when the release of ``source`` (blog_source's module) is already done everywhere: recorded in
    ``database`` (preflight's module_version row and schema version) with the same version, checksum and schema
    version, and live on every app host (``checkpoints``, each host's current and previous release ids)."""
    recorded = (database or {}).get('module_version') or {}
    live = set((checkpoint or {}).get('current') for checkpoint in checkpoints or [])
    return not (recorded.get('version') == source['version']
                and recorded.get('checksum') == source['checksum']
                and ((database or {}).get('schema_version') or '') == (source.get('schema_version') or '')
                and live == set([source['release_id']]))
