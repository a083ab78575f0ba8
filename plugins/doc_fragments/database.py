# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The blog database and where the tracking tables live. The connection options themselves
    # (login_host, login_user, login_password, ssl_mode, ...) come from community.postgresql.postgres.
    DOCUMENTATION = r'''
options:
  login_db:
    description:
      - Name of the blog database, the one that holds the tracking tables.
    type: str
    required: true
    aliases: [db, database]
  release_tracking_schema:
    description:
      - PostgreSQL schema of the tracking tables C(module_version), C(module_version_history), C(schema_version) and
        C(schema_snapshot).
      - The schema and the tables are created on first use, idempotently, under an advisory lock.
      - A plain identifier, quoted in every statement.
    type: str
    default: public
notes:
  - Set the connection options once for every module of this collection with
    C(module_defaults) and the action group C(group/blogops.release.all).
'''
