# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.blogops.release.plugins.module_utils._dependencies import dependency_problems as problems_of


def dependency_problems(installed, module_name, version, requires=None):
    """Problems of installing ``version`` of ``module_name`` among the ``installed`` blog modules."""
    try:
        return problems_of(module_name, version, requires or {}, installed or {})
    except ValueError as e:
        raise AnsibleFilterError('blogops.release.dependency_problems: %s' % to_native(e))


class FilterModule(object):
    def filters(self):
        return {'dependency_problems': dependency_problems}
