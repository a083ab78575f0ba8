# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.migration_lint import summarize


def lint_summary(result):
    """What a migration_lint result (or its findings) says, for a summary: errors, warnings, opt-outs; None without."""
    if result is None or (isinstance(result, dict) and 'findings' not in result):
        return None
    findings = result['findings'] if isinstance(result, dict) else result
    try:
        return dict(summarize(findings), scripts=result.get('scripts', []) if isinstance(result, dict) else [])
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError('blogops.release.lint_summary expects what blogops.release.migration_lint returns: %s' % e) from e


class FilterModule(object):
    def filters(self):
        return {'lint_summary': lint_summary}
