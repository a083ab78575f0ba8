# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._schema_drift import (
    attribute_objects,
    compare_catalogs,
    object_kind,
)

TOUCH = ('CREATE OR REPLACE FUNCTION public.touch()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$\nBEGIN\n'
         '  NEW.updated_at := now();\n  RETURN NEW;\nEND\n$function$\n')
BASE = {
    'schema public': {},
    'table public.posts': {'partitioned': False, 'unlogged': False},
    'column public.posts.id': {'on': 'table public.posts', 'type': 'bigint', 'not_null': True, 'default': None,
                               'identity': 'a', 'generated': '', 'collation': None},
    'column public.posts.title': {'on': 'table public.posts', 'type': 'text', 'not_null': True, 'default': None,
                                  'identity': '', 'generated': '', 'collation': None},
    'constraint public.posts.posts_pkey': {'on': 'table public.posts', 'definition': 'PRIMARY KEY (id)'},
    'index public.posts_title_idx': {'on': 'table public.posts',
                                     'definition': 'CREATE INDEX posts_title_idx ON public.posts USING btree (title)'},
    'trigger public.posts.posts_touch': {'on': 'table public.posts', 'enabled': 'O', 'definition':
                                         'CREATE TRIGGER posts_touch BEFORE UPDATE ON public.posts FOR EACH ROW '
                                         'EXECUTE FUNCTION touch()'},
    'function public.touch()': {'definition': TOUCH},
    'view public.recent_posts': {'definition': ' SELECT posts.id FROM posts;'},
    'grant on table public.posts': {'on': 'table public.posts', 'privileges': ['postgres=arwdDxt/postgres']},
    'table public.tags': {'partitioned': False, 'unlogged': False},
    'column public.tags.name': {'on': 'table public.tags', 'type': 'text', 'not_null': False, 'default': None,
                                'identity': '', 'generated': '', 'collation': None},
}
MODULES = {'table public.posts': 'core', 'column public.posts.id': 'core', 'column public.posts.title': 'core',
           'constraint public.posts.posts_pkey': 'core', 'index public.posts_title_idx': 'core',
           'function public.touch()': 'core', 'trigger public.posts.posts_touch': 'core',
           'view public.recent_posts': 'comments', 'table public.tags': 'tags', 'column public.tags.name': 'tags'}


def changed(**changes):
    """BASE with objects replaced (a dict), updated (a dict of fields to merge) or removed (None)."""
    result = dict((name, dict(definition)) for name, definition in BASE.items())
    for name, value in changes.items():
        name = name.replace('__', ' ').replace('_DOT_', '.')
        if value is None:
            del result[name]
        elif name in result and value.pop('_merge', False):
            result[name].update(value)
        else:
            result[name] = value
    return result


def merge(**fields):
    return dict(fields, _merge=True)


CASES = [
    # (what was done out of band, the found catalog, [(object, change, module, message)])
    ('nothing', BASE, []),
    ('a column added', dict(BASE, **{'column public.posts.subtitle': {'on': 'table public.posts', 'type': 'text'}}),
     [('column public.posts.subtitle', 'added', 'core', 'column public.posts.subtitle: added (text)')]),
    ('a column type changed', changed(**{'column public.posts.title': merge(type='character varying(200)')}),
     [('column public.posts.title', 'changed', 'core',
       'column public.posts.title: type text -> character varying(200)')]),
    ('a default and NOT NULL changed', changed(**{'column public.posts.title': merge(default="''::text", not_null=False)}),
     [('column public.posts.title', 'changed', 'core',
       "column public.posts.title: default none -> ''::text, not_null yes -> no")]),
    ('a constraint dropped', changed(**{'constraint public.posts.posts_pkey': None}),
     [('constraint public.posts.posts_pkey', 'dropped', 'core',
       'constraint public.posts.posts_pkey: dropped (PRIMARY KEY (id))')]),
    ('an index added on a table', dict(BASE, **{'index public.posts_x': {
        'on': 'table public.posts', 'definition': 'CREATE INDEX posts_x ON public.posts (id)'}}),
     [('index public.posts_x', 'added', 'core', 'index public.posts_x: added (CREATE INDEX posts_x ON public.posts (id))')]),
    ('a function body changed', changed(**{'function public.touch()': {'definition': TOUCH.replace('BEGIN', 'BEGIN\n  PERFORM 1;')}}),
     [('function public.touch()', 'changed', 'core', 'function public.touch(): body differs')]),
    ('a trigger disabled', changed(**{'trigger public.posts.posts_touch': merge(enabled='D')}),
     [('trigger public.posts.posts_touch', 'changed', 'core', 'trigger public.posts.posts_touch: enabled O -> D')]),
    ('a view changed', changed(**{'view public.recent_posts': {'definition': ' SELECT posts.id, posts.title FROM posts;'}}),
     [('view public.recent_posts', 'changed', 'comments',
       'view public.recent_posts: definition  SELECT posts.id FROM posts; ->  SELECT posts.id, posts.title FROM posts;')]),
    ('a grant added', changed(**{'grant on table public.posts': merge(privileges=['postgres=arwdDxt/postgres', 'web=r/postgres'])}),
     [('grant on table public.posts', 'changed', 'core', 'grant on table public.posts: privileges '
       '[postgres=arwdDxt/postgres] -> [postgres=arwdDxt/postgres, web=r/postgres]')]),
    # A dropped table is one difference, not one per column; a table of no known blog module is unattributed.
    ('a table dropped', changed(**{'table public.tags': None, 'column public.tags.name': None}),
     [('table public.tags', 'dropped', 'tags', 'table public.tags: dropped')]),
    ('a table added', dict(BASE, **{'table public.x': {}, 'column public.x.a': {'on': 'table public.x', 'type': 'int'}}),
     [('table public.x', 'added', None, 'table public.x: added')]),
]


@pytest.mark.parametrize('what, found, expected', CASES, ids=[case[0] for case in CASES])
def test_each_difference_is_named_with_its_blog_module(what, found, expected):
    differences = compare_catalogs(BASE, found, MODULES)
    assert [(d['object'], d['change'], d['module'], d['message']) for d in differences] == expected


def test_a_difference_carries_both_definitions_and_the_fields_that_changed():
    found = changed(**{'column public.posts.title': merge(type='integer', default='0')})
    [difference] = compare_catalogs(BASE, found, MODULES)
    assert difference['kind'] == 'column'
    assert difference['fields'] == ['default', 'type']
    assert difference['expected']['type'] == 'text' and difference['found']['type'] == 'integer'


def test_several_differences_come_sorted_by_object():
    found = changed(**{'index public.posts_title_idx': None, 'column public.posts.title': merge(type='integer')})
    found['grant on table public.posts']['privileges'] = []
    assert [d['object'] for d in compare_catalogs(BASE, found, MODULES)] == [
        'column public.posts.title', 'grant on table public.posts', 'index public.posts_title_idx']


@pytest.mark.parametrize('name, kind', [
    ('materialized view stats.daily', 'materialized view'), ('view public.v', 'view'),
    ('function public.f(integer, text)', 'function'), ('grant on column public.t.c', 'grant'),
    ('column public."odd name".c', 'column'), ('foreign table public.f', 'foreign table'),
])
def test_object_kind(name, kind):
    assert object_kind(name) == kind


def test_a_first_snapshot_belongs_to_the_only_installed_blog_module_else_to_none():
    catalog = {'table public.posts': {}, 'column public.posts.id': {'on': 'table public.posts'}}
    assert attribute_objects(None, {}, catalog, 'core', True) == {'table public.posts': 'core',
                                                                  'column public.posts.id': 'core'}
    assert attribute_objects(None, {}, catalog, 'comments', False) == {}


def test_a_new_snapshot_gives_new_and_changed_objects_to_the_deployed_blog_module():
    previous = {'table public.posts': {}, 'column public.posts.id': {'type': 'int'}, 'table public.old': {}}
    modules = {'table public.posts': 'core', 'column public.posts.id': 'core', 'table public.old': 'core'}
    catalog = {'table public.posts': {}, 'column public.posts.id': {'type': 'bigint'}, 'table public.comments': {}}
    assert attribute_objects(previous, modules, catalog, 'comments', False) == {
        'table public.posts': 'core', 'column public.posts.id': 'comments', 'table public.comments': 'comments'}
