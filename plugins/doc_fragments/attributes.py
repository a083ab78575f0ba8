# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Descriptions of the attributes; each module says its own support level.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return the changed status it predicts without modifying the target.
  diff_mode:
    description: Returns details of what has changed, or would change in check mode, when run in diff mode.
  idempotent:
    description:
      - When run twice in a row with the same arguments, the second run changes nothing and reports C(changed=false).
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details: This module only reads; it runs the same in check mode.
  diff_mode:
    support: N/A
    details: This module never changes anything.
  idempotent:
    support: full
'''
