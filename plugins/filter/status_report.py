# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible_collections.blogops.release.plugins.plugin_utils.status_report import build_report, report_html, report_text


def status_report(modules, schema, history, host_releases, generated_at=None, backups=None, rehearsals=None, lint=None,
                  lint_source=None, schema_drift=None):
    try:
        return build_report(modules or {}, schema or {}, history or [], host_releases or {}, generated_at, backups,
                            rehearsals, lint, lint_source, schema_drift)
    except (KeyError, TypeError, AttributeError) as e:
        raise AnsibleFilterError('blogops.release.status_report: unexpected input: %s' % e)


def status_text(report):
    try:
        return report_text(report)
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError('blogops.release.status_text expects what status_report returns: %s' % e)


def status_html(report):
    try:
        return report_html(report)
    except (KeyError, TypeError) as e:
        raise AnsibleFilterError('blogops.release.status_html expects what status_report returns: %s' % e)


class FilterModule(object):
    def filters(self):
        return {'status_report': status_report, 'status_text': status_text, 'status_html': status_html}
