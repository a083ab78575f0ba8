# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Whether an app host has anything to clean up after a deploy, from preflight's read of it."""

import pytest

from ansible_collections.blogops.release.plugins.plugin_utils.cleanup_needed import cleanup_needed

NEW = '1.2.0-9f8e7d6c'


def host(*ids, partial=()):
    """The release module's state=query result of a host with the complete releases ``ids``."""
    return dict(current=dict(id=ids[-1]) if ids else None, previous=None,
                releases=[dict(id=i) for i in ids], partial=list(partial))


@pytest.mark.parametrize('releases, keep, expected', [
    (host(), 5, False),                                            # the first deploy to the host
    (host('1.0.0-0a1b2c3d'), 5, False),
    (host('1.0.0-0a', '1.0.1-0b', '1.0.2-0c', '1.1.0-0d'), 5, False),  # five with the new one: all kept
    (host('1.0.0-0a', '1.0.1-0b', '1.0.2-0c', '1.1.0-0d', '1.1.1-0e'), 5, True),  # six: the oldest goes
    (host('1.0.0-0a'), 1, True),                                   # keep 1: the old one may go
    (host('1.0.0-0a', partial=['.1.1.0-0d.partial-abc123']), 5, True),  # an unfinished upload
    (host(NEW), 1, False),                                         # redeploying a release already there
    (host('1.0.0-0a', NEW), 2, False),
    (None, 5, True),                                               # no read: clean
    ({}, 5, True),
    (host('1.0.0-0a'), '5', False),                                # a number from a survey field
])
def test_only_a_host_with_nothing_to_remove_skips_the_clean_up(releases, keep, expected):
    assert cleanup_needed(releases, NEW, keep) is expected
