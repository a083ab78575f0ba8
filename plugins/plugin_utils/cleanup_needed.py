# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether an app host has anything to clean up after a deploy, from what preflight read of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def cleanup_needed(releases, release_id, keep_releases):
    """False only when the release module's ``state: clean`` would certainly remove nothing: preflight's read of the
    host (``releases``, as the release module's state=query returns it) found no unfinished upload, and its complete
    releases with ``release_id`` (the one deployed) number at most ``keep_releases``. No read (None) means unknown,
    which means clean. Only this deploy changed the host's releases since that read: it holds the deploy's lock."""
    if not releases:
        return True
    if releases.get('partial'):
        return True
    complete = set(release['id'] for release in releases.get('releases') or [])
    complete.add(release_id)
    return len(complete) > int(keep_releases)
