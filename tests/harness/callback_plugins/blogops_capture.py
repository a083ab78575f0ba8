# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: blogops_capture
type: aggregate
short_description: Write every task result as a JSON line, for the test suite
description:
  - Appends one JSON object per task result (host, task name, action, status, result) to the file named by the
    environment variable E(BLOGOPS_CAPTURE), and at the end the custom stats (C(set_stats)) with status C(stats).
    Used by the tests to assert on returned values.
options: {}
'''

import json
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'blogops_capture'
    CALLBACK_NEEDS_ENABLED = True

    def _write(self, status, result, **extra):
        path = os.environ.get('BLOGOPS_CAPTURE')
        if not path:
            return
        record = dict(host=result.host.get_name(), task=result.task.get_name(), action=result.task.action,
                      status=status, result=result.result)
        record.update(extra)
        with open(path, 'a') as f:
            f.write(json.dumps(record, default=str) + '\n')

    def v2_runner_on_ok(self, result):
        self._write('ok', result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._write('failed', result, ignore_errors=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._write('skipped', result)

    def v2_runner_on_unreachable(self, result):
        self._write('unreachable', result)

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get('BLOGOPS_CAPTURE')
        if path:
            with open(path, 'a') as f:
                f.write(json.dumps(dict(host='', task='', action='', status='stats', result=stats.custom), default=str) + '\n')
