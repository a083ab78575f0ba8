# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import HISTORY_STATUSES, history_status

HALTED_MESSAGE = 'deploy of comments 1.1.0 failed at verify on web2: 503; the rollout halted: the new release is live on web1'


@pytest.mark.parametrize('status, message, expected', [
    ('halted', 'the rollout halted on web1', 'halted'),
    ('halted', None, 'halted'),
    # A halted deploy that an earlier release stored as failed.
    ('failed', HALTED_MESSAGE, 'halted'),
    ('failed', 'deploy of comments 1.1.0 failed at backup on web1: disk full', 'failed'),
    ('failed', None, 'failed'),
    ('failed', '', 'failed'),
    # Only a failed row is read again: a rollback's message may quote the deploy it undid.
    ('rolled_back', 'rollback of comments 1.1.0 to 1.0.0 after ' + HALTED_MESSAGE, 'rolled_back'),
    ('deployed', HALTED_MESSAGE, 'deployed'),
    ('deploying', 'step: verify; ' + HALTED_MESSAGE, 'deploying'),
])
def test_the_status_a_history_row_reads_as(status, message, expected):
    assert history_status(status, message) == expected
    assert expected in HISTORY_STATUSES
