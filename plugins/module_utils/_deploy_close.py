# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The end of a deploy on the database: prove that what was recorded matches the schema, and close the row.

module_version runs them in the transaction of the record, so that a deploy's record, its proof and the
closing of its history row cost one module run and land together or not at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._schema_history import current_version_row, fetch_schema_rows


def schema_mismatch(recorded, schema_version):
    """Why the database does not match: ``recorded`` is the module_version row (or None), ``schema_version``
    the blog module's current schema version row (or None); '' when they match."""
    recorded = recorded or {}
    wanted = recorded.get('schema_version') or ''
    found = (schema_version or {}).get('version') or ''
    if wanted == found:
        return ''
    return ('the database does not match release %s (%s): module_version holds schema version %s, the schema is at %s'
            % (recorded.get('version') or 'no row', recorded.get('checksum') or 'no checksum', wanted or 'none',
               found or 'none'))


def check_recorded(cursor, schema, module_name, recorded):
    """schema_mismatch of ``recorded`` against the blog module's schema as the database holds it now."""
    return schema_mismatch(recorded, current_version_row(fetch_schema_rows(cursor, schema, module_name)))
