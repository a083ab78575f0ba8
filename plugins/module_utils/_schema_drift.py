# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Schema drift: the live schema against the snapshot taken when the last deploy or rollback closed.

The snapshot (table ``schema_snapshot``, one row) holds the catalog as schema_catalog reads it, and for each
object the blog module whose deploy made it or last changed it. What differs now was changed out of band: by
hand, by another tool, by a migration run outside a deploy. Comparing is pure (compare_catalogs); only
check_drift and write_snapshot touch the database.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.blogops.release.plugins.module_utils._schema_catalog import read_catalog
from ansible_collections.blogops.release.plugins.module_utils._tracking_tables import (
    SNAPSHOT_TABLE,
    TABLES,
    ensure_snapshot_table,
    table,
)

# The tables the collection writes on every run: never drift.
TRACKING_TABLES = TABLES + (SNAPSHOT_TABLE,)
# Longest first: "materialized view" before "view".
KINDS = ('materialized view', 'foreign table', 'grant', 'schema', 'extension', 'table', 'view', 'sequence', 'type',
         'column', 'constraint', 'index', 'trigger', 'function', 'procedure', 'aggregate')
# Definitions too long to print in a one-line message; the difference still carries both.
_LONG = 80


def object_kind(name):
    """``column`` of ``column public.posts.title``, ``grant`` of ``grant on table public.posts``."""
    for kind in KINDS:
        if name.startswith(kind + ' '):
            return kind
    return name.split(' ', 1)[0]


def _show(value):
    if value is None or value == '':
        return 'none'
    if isinstance(value, list):
        return '[%s]' % ', '.join(str(v) for v in value)
    if isinstance(value, bool):
        return 'yes' if value else 'no'
    return str(value)


def describe_difference(difference):
    """One line naming the object and what changed, e.g.
    ``column public.posts.title: type text -> character varying(200)``."""
    if difference['change'] != 'changed':
        definition = difference['expected'] if difference['found'] is None else difference['found']
        summary = _show(definition.get('type', definition.get('definition')))
        short = summary != 'none' and len(summary) <= 2 * _LONG and '\n' not in summary
        return '%s: %s%s' % (difference['object'], difference['change'], ' (%s)' % summary if short else '')
    parts = []
    for field in difference['fields']:
        before, after = difference['expected'].get(field), difference['found'].get(field)
        if len(_show(before)) > _LONG or len(_show(after)) > _LONG or '\n' in _show(before) + _show(after):
            parts.append('%s differs' % ('body' if field == 'definition' and difference['kind'] in (
                'function', 'procedure') else field))
        else:
            parts.append('%s %s -> %s' % (field, _show(before), _show(after)))
    return '%s: %s' % (difference['object'], ', '.join(parts))


def compare_catalogs(expected, found, modules=None):
    """The differences between two catalogs ({object: definition}), sorted by object.

    Each is a dict: ``object`` (its name), ``kind`` (column, index, function, ...), ``change`` (``added``,
    ``dropped`` or ``changed``), ``fields`` (the parts that changed), ``expected`` and ``found`` (the definitions,
    ``None`` when absent), ``module`` (the blog module it belongs to, from ``modules`` or that of the object it is
    ``on``; ``None`` when unknown) and ``message``. The parts of an object added or dropped as a whole (a dropped
    table's columns) are not listed again.
    """
    modules = modules or {}
    changes = {}
    for name in set(expected) | set(found):
        before, after = expected.get(name), found.get(name)
        if before == after:
            continue
        change = 'added' if before is None else 'dropped' if after is None else 'changed'
        changes[name] = (change, before, after)
    result = []
    for name in sorted(changes):
        change, before, after = changes[name]
        parent = (after if after is not None else before).get('on')
        if change != 'changed' and parent in changes and changes[parent][0] == change:
            continue
        owner = modules.get(name)
        while owner is None and parent:
            owner = modules.get(parent)
            parent = (found.get(parent) if parent in found else expected.get(parent, {})).get('on')
        difference = dict(object=name, kind=object_kind(name), change=change, expected=before, found=after, module=owner,
                          fields=sorted(f for f in set(before) | set(after)
                                        if before.get(f) != after.get(f)) if change == 'changed' else [])
        difference['message'] = describe_difference(difference)
        result.append(difference)
    return result


def attribute_objects(previous, modules, catalog, module_name, sole_module):
    """{object: blog module} for a new snapshot of ``catalog`` taken when a deploy or rollback of ``module_name``
    closed: objects unchanged since ``previous`` keep their blog module, new or changed ones are
    ``module_name``'s. Without a previous snapshot, every object is ``module_name``'s when it is the only blog
    module installed (a first deploy), else no object's: which module made what is not known."""
    if previous is None:
        return dict((name, module_name) for name in catalog) if sole_module else {}
    result = {}
    for name, definition in catalog.items():
        if previous.get(name) == definition:
            if modules.get(name):
                result[name] = modules[name]
        else:
            result[name] = module_name
    return result


def read_snapshot(cursor, schema):
    """The snapshot row (objects, modules, module_name, history_id, server_version, taken_at, taken_by) or None."""
    cursor.execute('SELECT to_regclass(%s) IS NOT NULL AS present', (table(schema, SNAPSHOT_TABLE),))
    if not cursor.fetchone()['present']:
        return None
    cursor.execute('SELECT objects, modules, module_name, history_id, server_version, taken_at::text AS taken_at, '
                   'taken_by FROM %s' % table(schema, SNAPSHOT_TABLE))
    row = cursor.fetchone()
    if row is None:
        return None
    row = dict(row)
    for field in ('objects', 'modules'):
        if isinstance(row[field], str):
            row[field] = json.loads(row[field])
    return row


def write_snapshot(cursor, schema, module_name, history_id=None):
    """Record the live schema as what the applied migrations make, in the caller's transaction, when a deploy or
    rollback of ``module_name`` closed. Returns the number of objects recorded."""
    ensure_snapshot_table(cursor, schema)
    previous = read_snapshot(cursor, schema)
    server_version, catalog = read_catalog(cursor, schema, TRACKING_TABLES)
    cursor.execute('SELECT array_agg(module_name::text) AS names FROM %s' % table(schema, 'module_version'))
    installed = cursor.fetchone()['names'] or []
    modules = attribute_objects(previous and previous['objects'], previous and previous['modules'] or {}, catalog,
                                module_name, set(installed) <= set([module_name]))
    cursor.execute(
        'INSERT INTO %s AS s (single, objects, modules, module_name, history_id, server_version) '
        'VALUES (true, %%s::jsonb, %%s::jsonb, %%s, %%s, %%s) ON CONFLICT (single) DO UPDATE SET objects = EXCLUDED.objects, '
        'modules = EXCLUDED.modules, module_name = EXCLUDED.module_name, history_id = EXCLUDED.history_id, '
        'server_version = EXCLUDED.server_version, taken_at = now(), taken_by = current_user'
        % table(schema, SNAPSHOT_TABLE),
        (json.dumps(catalog, sort_keys=True), json.dumps(modules, sort_keys=True), module_name, history_id,
         server_version))
    return len(catalog)


def check_drift(cursor, schema):
    """(snapshot, differences): the live schema against the snapshot (compare_catalogs' list); (None, None) when
    no deploy or rollback has recorded one yet, so that there is nothing to compare with. Never writes."""
    snapshot = read_snapshot(cursor, schema)
    if snapshot is None:
        return None, None
    _server_version, catalog = read_catalog(cursor, schema, TRACKING_TABLES)
    return snapshot, compare_catalogs(snapshot['objects'], catalog, snapshot['modules'])
