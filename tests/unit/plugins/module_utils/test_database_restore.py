# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._database_restore import (
    check_restore_options,
    setting_clause,
    split_setting_list,
    work_name,
)


def test_work_names_fit_in_63_bytes_and_keep_the_database_name_in_front():
    assert work_name('blog', 'restore', 'abcd1234') == 'blog_blogops_restore_abcd1234'
    long_name = 'ü' * 40
    name = work_name(long_name, 'parked', 'abcd1234')
    assert len(name.encode('utf-8')) <= 63 and name.endswith('_blogops_parked_abcd1234') and name.startswith('ü')
    assert work_name('blog', 'restore') != work_name('blog', 'restore')


@pytest.mark.parametrize('stored, items', [
    ('"$user", public', ['$user', 'public']),
    ('a,b', ['a', 'b']),
    ('"with ""quote"", and comma", x', ['with "quote", and comma', 'x']),
    ('', []),
])
def test_list_settings_split_as_postgresql_stores_them(stored, items):
    assert split_setting_list(stored) == items


def test_setting_clauses_quote_names_and_values():
    assert setting_clause('search_path="$user", public') == "\"search_path\" = '$user', 'public'"
    assert setting_clause("statement_timeout=5s") == "\"statement_timeout\" = '5s'"
    assert setting_clause("application_name=it's") == "\"application_name\" = 'it''s'"
    assert setting_clause('DateStyle=ISO, MDY') == '"DateStyle" = \'ISO, MDY\''


@pytest.mark.parametrize('mode, jobs, target, message', [
    ('swap', 1, None, 'invalid mode'),
    ('replace', 0, None, 'jobs must be 1 or more'),
    ('new', 1, None, 'mode=new needs target_db'),
    ('verify', 1, 'x', 'target_db is only used with mode=new'),
])
def test_options_that_do_not_go_together(mode, jobs, target, message):
    with pytest.raises(ValueError, match=message):
        check_restore_options(mode, jobs, target)


def test_replace_may_restore_in_parallel():
    # Refused options raise ValueError; accepted ones return nothing.
    assert check_restore_options('replace', 4, None) is None
