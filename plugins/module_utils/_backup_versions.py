# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The versions a backup records in its sidecar (backup_sidecar), read from the database it dumps."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._module_versions import fetch_module_versions, record_of
from ansible_collections.blogops.release.plugins.module_utils._schema_history import (
    current_versions,
    fetch_newest_schema_row,
    fetch_schema_rows,
)
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import tracking_tables_exist


def read_versions(cursor, schema):
    """Schema versions (newest overall and per blog module) and blog module versions, as a sidecar holds them.

    A database without tracking tables has none: null and empty maps.
    """
    if not tracking_tables_exist(cursor, schema):
        return dict(schema_version=None, schema_versions={}, module_versions={})
    per_module = current_versions(fetch_schema_rows(cursor, schema))
    newest = fetch_newest_schema_row(cursor, schema)
    modules = fetch_module_versions(cursor, schema)
    return dict(
        schema_version=newest['version'] if newest else None,
        schema_versions=dict((name, row['version']) for name, row in per_module.items()),
        module_versions=dict((name, record_of(row)) for name, row in modules.items()),
    )
