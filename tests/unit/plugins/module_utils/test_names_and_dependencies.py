# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._dependencies import InvalidDependencies, check_dependencies
from ansible_collections.blogops.release.plugins.module_utils._identifiers import (
    InvalidName,
    check_blog_module_name,
    check_schema_name,
    quote_ident,
)


@pytest.mark.parametrize('name', ['core', 'comments', 'a', 'search_v2', 'a' * 63])
def test_valid_blog_module_names(name):
    assert check_blog_module_name(name) == name


@pytest.mark.parametrize('name', ['', 'Core', '2fa', '_core', 'core-x', 'core x', '../../etc', 'a' * 64, 'core\n',
                                  "x'; DROP TABLE t; --", None, 'çore'])
def test_invalid_blog_module_names_are_named_in_the_error(name):
    with pytest.raises(InvalidName) as error:
        check_blog_module_name(name)
    assert repr(name) in str(error.value)


def test_schema_names_and_quoting():
    assert check_schema_name('Release_Tracking') == 'Release_Tracking'
    with pytest.raises(InvalidName):
        check_schema_name('public; DROP')
    assert quote_ident('we"ird') == '"we""ird"'


def test_dependencies_are_validated():
    assert check_dependencies('comments', {'core': '>=2.1,<3'}) == {'core': '>=2.1,<3'}
    assert check_dependencies('comments', None) == {}
    for bad, message in [({'Core': '1.x'}, "'Core'"), ({'core': 'latest'}, "'latest'"), ({'comments': '*'}, 'itself'),
                         ({'core': 2}, 'must be text'), ({'core': '>=3,<2'}, 'no version satisfies'), (['core'], 'mapping')]:
        with pytest.raises(ValueError) as error:
            check_dependencies('comments', bad)
        assert message in str(error.value)
    assert issubclass(InvalidDependencies, ValueError)


def test_dependency_problems_both_ways_and_cycles():
    from ansible_collections.blogops.release.plugins.module_utils._dependencies import dependency_problems
    installed = {
        'core': dict(version='2.4.0', dependencies={}),
        'comments': dict(version='1.4.0', dependencies={'core': '>=2.1,<3'}),
        'search': dict(version='0.3.0', dependencies={'comments': '^1.2'}),
    }
    assert dependency_problems('comments', '1.5.0', {'core': '>=2.1,<3'}, installed) == []
    assert dependency_problems('comments', '2.0.0', {'core': '^3', 'tags': '*'}, installed) == [
        'comments 2.0.0 needs core ^3, but core 2.4.0 is installed',
        'comments 2.0.0 needs tags *, which is not installed',
        'installed search 0.3.0 needs comments ^1.2, which comments 2.0.0 does not satisfy',
    ]
    assert dependency_problems('core', '2.5.0', {'search': '*'}, installed) == [
        'dependency cycle: core -> search -> comments -> core']
