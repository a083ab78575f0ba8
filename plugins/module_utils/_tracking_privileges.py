# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the migrate module's database role may not do on the tracking schema, said before anything runs.

Looked up in the catalogs (pg_namespace, pg_class), which every role may read: naming a schema the
role may not use would itself fail with PostgreSQL's "permission denied for schema", which names
neither the role nor the privilege.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import TABLES

# What the runner does to schema_version: reads the history, appends rows, marks a row of a script that ran
# outside a transaction as succeeded; the id comes from its sequence.
SCHEMA_VERSION_PRIVILEGES = ('SELECT', 'INSERT', 'UPDATE')

_QUERY = '''
SELECT current_user AS role, current_database() AS database,
       has_database_privilege(current_database(), 'CREATE') AS database_create,
       n.oid IS NOT NULL AS schema_exists,
       has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       has_schema_privilege(n.oid, 'CREATE') AS schema_create,
       (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
          AND c.relname = ANY(%(tables)s)) AS tables,
       (SELECT array_agg(p) FROM pg_class c, unnest(%(privileges)s::text[]) p
          WHERE c.relnamespace = n.oid AND c.relname = 'schema_version' AND NOT has_table_privilege(c.oid, p))
         AS table_missing,
       (SELECT bool_or(has_sequence_privilege(c.oid, 'USAGE') OR has_sequence_privilege(c.oid, 'UPDATE'))
          FROM pg_class c WHERE c.relnamespace = n.oid AND c.relname = 'schema_version_id_seq') AS sequence_usage
FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = %(schema)s
'''


def missing_privileges(cursor, schema):
    """(role, problems): each problem names the role, the privilege it lacks, the object and why it is needed."""
    cursor.execute(_QUERY, dict(schema=schema, tables=list(TABLES), privileges=list(SCHEMA_VERSION_PRIVILEGES)))
    row = cursor.fetchone()
    role = row['role']
    problems = []

    def lacks(privileges, what, why, grant):
        problems.append("role '%s' lacks %s on %s, %s; as a role that may, run: %s" % (role, privileges, what, why, grant))

    quoted = '"%s"' % schema.replace('"', '""')
    if not row['schema_exists']:
        if not row['database_create']:
            lacks('CREATE', "database '%s'" % row['database'], 'needed to create the tracking schema %s on the first run'
                  % schema, 'GRANT CREATE ON DATABASE "%s" TO "%s" (or CREATE SCHEMA %s)'
                  % (row['database'].replace('"', '""'), role, quoted))
        return role, problems
    if not row['schema_usage']:
        lacks('USAGE', 'schema %s' % schema, 'needed to read and write the tracking tables in it',
              'GRANT USAGE ON SCHEMA %s TO "%s"' % (quoted, role))
    if row['tables'] < len(TABLES):
        if not row['schema_create']:
            lacks('CREATE', 'schema %s' % schema, 'needed to create the tracking tables (%s) on the first run'
                  % ', '.join(TABLES), 'GRANT CREATE ON SCHEMA %s TO "%s"' % (quoted, role))
        return role, problems
    if row['table_missing']:
        missing = [p for p in SCHEMA_VERSION_PRIVILEGES if p in row['table_missing']]
        lacks(', '.join(missing), 'table %s.schema_version' % schema, 'needed to read and record the migrations',
              'GRANT %s ON %s.schema_version TO "%s"' % (', '.join(missing), quoted, role))
    if row['sequence_usage'] is False:
        lacks('USAGE', 'sequence %s.schema_version_id_seq' % schema, 'needed to number new schema_version rows',
              'GRANT USAGE ON SEQUENCE %s.schema_version_id_seq TO "%s"' % (quoted, role))
    return role, problems
