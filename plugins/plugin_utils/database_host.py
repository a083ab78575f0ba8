# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Which inventory host runs a deploy's database work."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DATABASE_GROUP = 'blog_db'


def database_host(groups, host, group=DATABASE_GROUP):
    """The first host of ``group`` in the inventory's ``groups``; ``host`` itself when the group is empty or absent,
    as on a single machine."""
    members = (groups or {}).get(group) or []
    return members[0] if members else host
