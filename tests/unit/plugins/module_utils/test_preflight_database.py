# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Preflight's database read: where it stops when it finds an open deploy it leaves to the recover role."""

import pytest

from ansible_collections.blogops.release.plugins.module_utils._preflight_database import READS, stops_at_open_deploy

OPEN = [dict(id=7, module_name='comments', status='deploying', sessions=[])]


@pytest.mark.parametrize('stop, result, expected', [
    (True, dict(installed={}, in_progress=OPEN), True),
    (True, dict(installed={}, in_progress=[]), False),
    (True, dict(errors=dict(installed='cannot read blog module versions: denied')), False),
    (False, dict(installed={}, in_progress=OPEN), False),
    (None, dict(installed={}, in_progress=OPEN), False),
], ids=['open deploy, asked to stop', 'none open', 'history unreadable', 'asked to read on', 'option unset'])
def test_the_reads_stop_at_an_open_deploy_only_when_asked(stop, result, expected):
    assert stops_at_open_deploy(dict(stop_at_open_deploy=stop), result) is expected


def test_the_open_deploys_are_read_first():
    # Every read after the history's is skipped when it finds an open deploy: none of them may come before it.
    assert READS[0].name == 'installed'
