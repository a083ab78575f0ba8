# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Dependencies between blog modules: {blog module name: version range}."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.blogops.release.plugins.module_utils._identifiers import check_blog_module_name
from ansible_collections.blogops.release.plugins.module_utils._version_range import InvalidRange, parse_range, satisfies


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


def dependency_problems(module_name, version, requires, installed):
    """Why installing ``version`` of ``module_name`` would break a dependency, both ways.

    ``installed`` maps blog module names to their module_version rows (version, dependencies).
    Checks the new version's needs against what is installed, every installed blog module's
    needs on ``module_name`` against the new version, and cycles through the new needs.
    """
    problems = []
    for name, range_text in sorted((requires or {}).items()):
        row = installed.get(name)
        if row is None:
            problems.append('%s %s needs %s %s, which is not installed' % (module_name, version, name, range_text))
        elif not satisfies(row['version'], range_text):
            problems.append('%s %s needs %s %s, but %s %s is installed'
                            % (module_name, version, name, range_text, name, row['version']))
    for name, row in sorted(installed.items()):
        range_text = (row.get('dependencies') or {}).get(module_name)
        if name != module_name and range_text and not satisfies(version, range_text):
            problems.append('installed %s %s needs %s %s, which %s %s does not satisfy'
                            % (name, row['version'], module_name, range_text, module_name, version))
    cycle = dependency_cycle(module_name, requires, installed)
    if cycle:
        problems.append('dependency cycle: %s' % ' -> '.join(cycle))
    return problems


def dependency_cycle(module_name, requires, installed):
    """A cycle through ``module_name`` once its dependencies become ``requires``, or None."""
    graph = dict((name, sorted((row.get('dependencies') or {}).keys())) for name, row in installed.items())
    graph[module_name] = sorted((requires or {}).keys())
    path = [module_name]

    def walk(name, seen):
        for neighbour in graph.get(name, []):
            if neighbour == module_name:
                return path + [module_name]
            if neighbour not in seen:
                seen.add(neighbour)
                path.append(neighbour)
                found = walk(neighbour, seen)
                if found:
                    return found
                path.pop()
        return None

    return walk(module_name, set([module_name]))
