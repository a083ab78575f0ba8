# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The YAML of module.yml, read with limits.

A manifest is a handful of short keys. PyYAML's safe loader allows what such a file never needs
and what makes a hostile one dangerous: aliases, which a few hundred bytes can nest into a value
of billions of elements once anything walks or prints it; duplicate keys, of which the last
silently wins; any size and any depth. This loader refuses anchors, aliases and merge keys
(``<<``) where it composes and constructs the document, nesting deeper than MAX_DEPTH, and files
over MAX_BYTES before parsing. Duplicate keys are returned as problems rather than raised, so
that the rest of the manifest is still checked in the same run. Errors give the line and quote
nothing of the document but a short prefix.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import yaml

MAX_BYTES = 64 * 1024
MAX_DEPTH = 8
PREFIX = 24


class ManifestYamlError(ValueError):
    """module.yml cannot be read; ``line`` (1-based) says where when known."""

    def __init__(self, message, line=None):
        self.line = line
        super(ManifestYamlError, self).__init__(('line %d: %s' % (line, message)) if line else message)


def short(value, limit=PREFIX):
    """repr() of ``value`` cut to a short prefix, so that no message can carry a whole document."""
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return (repr(text[:limit]) + '...') if isinstance(value, str) else text[:limit] + '...'


def _line(node_or_event):
    return node_or_event.start_mark.line + 1


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader in pure Python: its composer and constructor are where anchors and duplicates are seen."""

    def __init__(self, stream):
        super(_StrictLoader, self).__init__(stream)
        self._depth = 0
        self.duplicates = []

    def compose_node(self, parent, index):
        event = self.peek_event()
        anchor = getattr(event, 'anchor', None)
        if anchor is not None:
            sign = '*' if isinstance(event, yaml.AliasEvent) else '&'
            raise ManifestYamlError('%s %s%s refused: YAML anchors and aliases are not allowed in module.yml'
                                    % ('alias' if sign == '*' else 'anchor', sign, anchor[:PREFIX]), _line(event))
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise ManifestYamlError('nested deeper than %d levels' % MAX_DEPTH, _line(event))
            return super(_StrictLoader, self).compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen = {}
            for key_node, _value_node in node.value:
                if key_node.tag == 'tag:yaml.org,2002:merge':
                    raise ManifestYamlError('merge key << refused: module.yml takes each key as written',
                                            _line(key_node))
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:
                    raise ManifestYamlError('a key must be text, got %s' % short(key), _line(key_node))
                if first is not None:
                    # Reported, not fatal: the rest of the manifest is still checked, so that one run lists it all.
                    self.duplicates.append(ManifestYamlError('duplicate key %s (first at line %d)' % (short(key), first),
                                                             _line(key_node)))
                    continue
                seen[key] = _line(key_node)
        return super(_StrictLoader, self).construct_mapping(node, deep)


def _describe(error):
    """A YAML error as 'line N: problem', without the snippet of the document PyYAML appends."""
    mark = getattr(error, 'problem_mark', None)
    problem = getattr(error, 'problem', None) or str(error)
    problem = ' '.join(problem.split())[:120]
    if mark is not None:
        return ManifestYamlError('not valid YAML: %s (column %d)' % (problem, mark.column + 1), mark.line + 1)
    return ManifestYamlError('not valid YAML: %s' % problem)


def load_manifest_yaml(data):
    """(the document in ``data``, the duplicate keys as ManifestYamlErrors); ``data`` is bytes, read with at most
    MAX_BYTES + 1. Anything else that is wrong raises ManifestYamlError."""
    if len(data) > MAX_BYTES:
        raise ManifestYamlError('larger than %d KiB; a manifest holds a few short keys' % (MAX_BYTES // 1024))
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        raise ManifestYamlError('not UTF-8 text (byte %d)' % e.start)
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data(), loader.duplicates
    except ManifestYamlError:
        raise
    except yaml.YAMLError as e:
        raise _describe(e)
    finally:
        loader.dispose()
