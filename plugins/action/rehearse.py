# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.action.migrate import ActionModule as MigrateAction


class ActionModule(MigrateAction):
    """``src`` on the controller reaches the database host as it does for blogops.release.migrate."""

    MODULE = 'blogops.release.rehearse'
