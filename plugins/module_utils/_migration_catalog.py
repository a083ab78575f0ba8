# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the migration lint needs to know of the relations the scripts name, read in one query."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# One round: for each name as the scripts write it, resolved through the session's search_path as the
# migration will be, the table's size and row estimate, its columns, constraints and indexes, or for an
# index its table. Names that do not resolve are left out.
CATALOG_QUERY = """
SELECT n.name, json_build_object(
  'kind', c.relkind,
  'rows', c.reltuples::bigint,
  'bytes', pg_total_relation_size(c.oid),
  'table', (SELECT i.indrelid::regclass::text FROM pg_index i WHERE i.indexrelid = c.oid),
  'columns', COALESCE((SELECT json_object_agg(a.attname, format_type(a.atttypid, a.atttypmod))
                       FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '{}'),
  'not_null', COALESCE((SELECT json_agg(a.attname) FROM pg_attribute a
                        WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attnotnull), '[]'),
  'constraints', COALESCE((SELECT json_agg(json_build_object('name', k.conname, 'type', k.contype,
                                                             'validated', k.convalidated,
                                                             'definition', pg_get_constraintdef(k.oid)))
                           FROM pg_constraint k WHERE k.conrelid = c.oid), '[]'),
  'indexes', COALESCE((SELECT json_agg(json_build_object('name', i.indexrelid::regclass::text,
                                                         'unique', i.indisunique, 'valid', i.indisvalid))
                       FROM pg_index i WHERE i.indrelid = c.oid), '[]'))::text AS info
FROM unnest(%(names)s::text[]) AS n(name)
JOIN pg_class c ON c.oid = to_regclass(n.name)
"""


def read_catalog(cursor, names):
    """{name: what the database says of it} for the names that exist; see CATALOG_QUERY."""
    if not names:
        return {}
    cursor.execute(CATALOG_QUERY, dict(names=list(names)))
    found = {}
    for row in cursor.fetchall():
        name, value = (row['name'], row['info']) if isinstance(row, dict) else row
        found[name] = json.loads(value)
    return found
