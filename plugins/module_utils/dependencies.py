# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dependencies between blog modules: {blog module name: version range}."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils.identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils.version_range import InvalidRange, parse_range


class InvalidDependencies(ValueError):
    """A dependency map with a bad name or range."""


def check_dependencies(owner, dependencies):
    """Validate ``dependencies`` of blog module ``owner``; returns {name: range text}."""
    if dependencies is None:
        return {}
    if not isinstance(dependencies, dict):
        raise InvalidDependencies('dependencies of blog module %r must be a mapping of blog module name to '
                                  'version range, got %r' % (owner, dependencies))
    result = {}
    for name, range_text in dependencies.items():
        check_blog_module_name(name, 'blog module name in the dependencies of %r' % owner)
        if name == owner:
            raise InvalidDependencies('blog module %r cannot depend on itself' % owner)
        if not isinstance(range_text, str):
            raise InvalidDependencies('dependency %s of blog module %r: version range must be text, got %r'
                                      % (name, owner, range_text))
        try:
            parsed = parse_range(range_text)
        except InvalidRange as e:
            raise InvalidDependencies('dependency %s of blog module %r: %s' % (name, owner, e))
        if parsed.is_empty():
            raise InvalidDependencies('dependency %s of blog module %r: no version satisfies range %r'
                                      % (name, owner, range_text))
        result[name] = parsed.text
    return result
