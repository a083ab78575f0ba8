# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The live schema of the blog database, read from the catalogs in one query: ``{object: definition}``.

An object is named the way the drift report names it (``column public.posts.title``, ``index public.posts_slug_idx``,
``function public.touch()``, ``grant on table public.posts``); its definition is a dict of the parts that can
drift (a column's ``type``, ``not_null``, ``default``; a function's ``definition``; a grant's ``privileges``),
and ``on``, the object it belongs to, for columns, constraints, indexes, triggers and grants.

Left out: the system schemas, objects that belong to an extension (the extension and its version are listed),
and the tracking tables with their sequences and indexes: they change on every run. Definitions come from
PostgreSQL's own pg_get_*def functions, which print no OIDs, so an object made again the same way reads the same.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

_QUERY = r'''
WITH tracked AS (
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = %(schema)s AND c.relname = ANY(%(tables)s)
), extension_member AS (
  SELECT classid, objid FROM pg_depend WHERE deptype = 'e'
), spaces AS (
  SELECT n.oid, n.nspname, n.nspowner, n.nspacl FROM pg_namespace n
  WHERE n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
    AND NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_namespace'::regclass AND e.objid = n.oid)
), rels AS (
  SELECT c.oid, c.relkind, c.relowner, c.relacl, c.relpersistence,
         CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'f' THEN 'foreign table' WHEN 'v' THEN 'view'
                        WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'c' THEN 'type'
                        ELSE 'index' END AS kind,
         quote_ident(s.nspname) || '.' || quote_ident(c.relname) AS name
  FROM pg_class c JOIN spaces s ON s.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S', 'c', 'i', 'I')
    AND c.oid NOT IN (SELECT oid FROM tracked)
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                    AND (d.deptype = 'e' OR (d.deptype IN ('a', 'i') AND d.refobjid IN (SELECT oid FROM tracked))))
), objects(key, def) AS (
  SELECT 'schema ' || quote_ident(s.nspname), '{}'::jsonb FROM spaces s
  UNION ALL
  SELECT 'grant on schema ' || quote_ident(s.nspname),
         jsonb_build_object('on', 'schema ' || quote_ident(s.nspname), 'privileges',
                            (SELECT to_jsonb(array_agg(a::text ORDER BY a::text))
                             FROM unnest(COALESCE(s.nspacl, acldefault('n', s.nspowner))) a))
  FROM spaces s
  UNION ALL
  SELECT 'extension ' || quote_ident(x.extname), jsonb_build_object('version', x.extversion, 'schema', n.nspname)
  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
  UNION ALL
  SELECT r.kind || ' ' || r.name,
         CASE r.relkind
           WHEN 'v' THEN jsonb_build_object('definition', pg_get_viewdef(r.oid))
           WHEN 'm' THEN jsonb_build_object('definition', pg_get_viewdef(r.oid))
           WHEN 'S' THEN (SELECT jsonb_build_object('type', format_type(q.seqtypid, NULL), 'start', q.seqstart,
                                                    'increment', q.seqincrement, 'minimum', q.seqmin, 'maximum', q.seqmax,
                                                    'cache', q.seqcache, 'cycle', q.seqcycle)
                          FROM pg_sequence q WHERE q.seqrelid = r.oid)
           WHEN 'c' THEN jsonb_build_object('attributes',
                          (SELECT to_jsonb(array_agg(quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod)
                                                     ORDER BY a.attnum))
                           FROM pg_attribute a WHERE a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped))
           ELSE jsonb_build_object('partitioned', r.relkind = 'p', 'unlogged', r.relpersistence = 'u')
         END
  FROM rels r WHERE r.relkind NOT IN ('i', 'I')
  UNION ALL
  SELECT 'grant on ' || r.kind || ' ' || r.name,
         jsonb_build_object('on', r.kind || ' ' || r.name, 'privileges',
                            (SELECT to_jsonb(array_agg(a::text ORDER BY a::text))
                             FROM unnest(COALESCE(r.relacl, acldefault((CASE r.relkind WHEN 'S' THEN 's' ELSE 'r' END)::"char",
                                                                       r.relowner))) a))
  FROM rels r WHERE r.relkind NOT IN ('i', 'I', 'c')
  UNION ALL
  SELECT 'column ' || r.name || '.' || quote_ident(a.attname),
         jsonb_build_object('on', r.kind || ' ' || r.name, 'type', format_type(a.atttypid, a.atttypmod),
                            'not_null', a.attnotnull, 'default', pg_get_expr(d.adbin, d.adrelid),
                            'identity', a.attidentity, 'generated', a.attgenerated,
                            'collation', CASE WHEN a.attcollation <> t.typcollation THEN co.collname END)
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
  WHERE r.relkind IN ('r', 'p', 'f')
  UNION ALL
  SELECT 'grant on column ' || r.name || '.' || quote_ident(a.attname),
         jsonb_build_object('on', 'column ' || r.name || '.' || quote_ident(a.attname), 'privileges',
                            (SELECT to_jsonb(array_agg(x::text ORDER BY x::text)) FROM unnest(a.attacl) x))
  FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
  WHERE r.relkind IN ('r', 'p', 'f', 'v', 'm') AND cardinality(a.attacl) > 0
  UNION ALL
  SELECT 'constraint ' || r.name || '.' || quote_ident(c.conname),
         jsonb_build_object('on', r.kind || ' ' || r.name, 'definition', pg_get_constraintdef(c.oid))
  FROM rels r JOIN pg_constraint c ON c.conrelid = r.oid
  UNION ALL
  SELECT 'index ' || i.name,
         jsonb_build_object('on', t.kind || ' ' || t.name, 'definition', pg_get_indexdef(i.oid))
  FROM rels i JOIN pg_index x ON x.indexrelid = i.oid JOIN rels t ON t.oid = x.indrelid
  WHERE NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.contype IN ('p', 'u', 'x'))
  UNION ALL
  SELECT 'trigger ' || r.name || '.' || quote_ident(g.tgname),
         jsonb_build_object('on', r.kind || ' ' || r.name, 'definition', pg_get_triggerdef(g.oid),
                            'enabled', g.tgenabled::text)
  FROM rels r JOIN pg_trigger g ON g.tgrelid = r.oid AND NOT g.tgisinternal
  UNION ALL
  SELECT p.kind || ' ' || p.name,
         CASE WHEN p.prokind = 'a' THEN jsonb_build_object('result', pg_get_function_result(p.oid))
              ELSE jsonb_build_object('definition', pg_get_functiondef(p.oid)) END
  FROM (SELECT f.oid, f.prokind, f.proacl, f.proowner,
               CASE f.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END AS kind,
               quote_ident(s.nspname) || '.' || quote_ident(f.proname) || '(' || pg_get_function_identity_arguments(f.oid)
               || ')' AS name
        FROM pg_proc f JOIN spaces s ON s.oid = f.pronamespace
        WHERE NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_proc'::regclass AND e.objid = f.oid)) p
  UNION ALL
  SELECT 'grant on ' || CASE f.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END || ' '
         || quote_ident(s.nspname) || '.' || quote_ident(f.proname) || '(' || pg_get_function_identity_arguments(f.oid) || ')',
         jsonb_build_object('privileges', (SELECT to_jsonb(array_agg(a::text ORDER BY a::text))
                                           FROM unnest(COALESCE(f.proacl, acldefault('f', f.proowner))) a))
  FROM pg_proc f JOIN spaces s ON s.oid = f.pronamespace
  WHERE NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_proc'::regclass AND e.objid = f.oid)
  UNION ALL
  SELECT 'type ' || quote_ident(s.nspname) || '.' || quote_ident(t.typname),
         CASE t.typtype
           WHEN 'e' THEN jsonb_build_object('labels', (SELECT to_jsonb(array_agg(e.enumlabel ORDER BY e.enumsortorder))
                                                       FROM pg_enum e WHERE e.enumtypid = t.oid))
           WHEN 'd' THEN jsonb_build_object('base', format_type(t.typbasetype, t.typtypmod), 'not_null', t.typnotnull,
                                            'default', t.typdefault, 'checks',
                                            (SELECT to_jsonb(array_agg(pg_get_constraintdef(c.oid) ORDER BY c.conname))
                                             FROM pg_constraint c WHERE c.contypid = t.oid))
           ELSE jsonb_build_object('kind', t.typtype::text)
         END
  FROM pg_type t JOIN spaces s ON s.oid = t.typnamespace
  WHERE t.typtype IN ('e', 'd', 'r', 'm')
    AND NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid)
)
SELECT current_setting('server_version_num')::int AS server_version, COALESCE(jsonb_object_agg(key, def), '{}') AS objects
FROM objects
'''


def read_catalog(cursor, schema, tracking_tables):
    """(server_version_num, {object: definition}) of the live database, without ``tracking_tables`` of ``schema``."""
    cursor.execute(_QUERY, dict(schema=schema, tables=list(tracking_tables)))
    row = cursor.fetchone()
    objects = row['objects']
    if isinstance(objects, str):
        objects = json.loads(objects)
    return row['server_version'], objects
