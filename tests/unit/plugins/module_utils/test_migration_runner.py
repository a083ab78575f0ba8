# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._migration_files import split_statements
from ansible_collections.blogops.release.plugins.module_utils._migration_runner import _needed_privilege


@pytest.mark.parametrize('sql, message, needed', [
    ('SELECT count(*) FROM secrets', 'permission denied for table secrets', 'SELECT on table secrets'),
    ('INSERT INTO posts SELECT * FROM drafts', 'permission denied for table drafts',
     'INSERT on table drafts (or SELECT, when the statement only reads it)'),
    ('CREATE TABLE t (x int)', 'permission denied for schema blog', 'CREATE on schema blog'),
    ('SELECT * FROM blog.posts', 'permission denied for schema blog', 'USAGE on schema blog'),
    ('SELECT f()', 'permission denied for function f', 'EXECUTE on function f'),
    ('SELECT nextval(\'s\')', 'permission denied for sequence s', 'USAGE on sequence s'),
    ('ALTER TABLE posts ADD COLUMN x int', 'must be owner of table posts', 'the ownership of table posts'),
    ('CREATE TABLE copy AS SELECT * FROM secrets', 'permission denied for table secrets',
     'a privilege on table secrets'),
    ('GRANT SELECT ON posts TO reader', 'permission denied to grant privileges', 'a privilege on the object PostgreSQL names'),
])
def test_a_permission_error_names_the_privilege_only_where_it_is_clear(sql, message, needed):
    [statement] = split_statements(sql)
    assert _needed_privilege(statement, message) == needed


def test_without_the_statement_only_the_object_kind_decides():
    assert _needed_privilege(None, 'permission denied for schema blog') == 'USAGE on schema blog'
    assert _needed_privilege(None, None) == 'a privilege on the object PostgreSQL names'
