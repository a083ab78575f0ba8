# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Version ranges of blog module dependencies.

Forms: exact ``1.4.2``; comparisons ``>=1.2``, ``>1.2.3``, ``<2``, ``<=1.4``, ``=1.4.2``;
caret ``^1.2`` (same major, or same minor below 1.0); tilde ``~1.4`` (same minor); wildcards
``1.x``, ``1.4.*``, ``*``. Comparators joined by ``,`` or spaces must all hold; ``||``
separates alternatives. Partial versions are filled as npm does (``<=1.4`` means ``<1.5.0``).

As with npm and Cargo, a pre-release version only satisfies a range when one of the
comparators names a pre-release of the same MAJOR.MINOR.PATCH: ``>=1.2,<2`` does not
accept ``2.0.0-rc.1`` nor ``1.5.0-beta.1``; ``>=2.0.0-rc.1`` accepts ``2.0.0-rc.2``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.blogops.release.plugins.module_utils._semver import InvalidVersion, SemVer

_WILD = ('x', 'X', '*')
_COMPARATOR = re.compile(
    r'^(?P<op>\^|~|>=|<=|>|<|==|=)?\s*v?'
    r'(?P<major>0|[1-9]\d*|[xX*])'
    r'(?:\.(?P<minor>0|[1-9]\d*|[xX*])'
    r'(?:\.(?P<patch>0|[1-9]\d*|[xX*])(?P<tail>[-+].*)?)?)?$',
    re.ASCII,
)
_OPERATORS = {
    '>=': lambda a, b: a >= b,
    '>': lambda a, b: a > b,
    '<': lambda a, b: a < b,
    '<=': lambda a, b: a <= b,
    '=': lambda a, b: a == b,
}
FORMS = "'>=1.2,<2', '^1.2', '~1.4', '1.x', '*' or an exact version such as '1.4.2'"


class InvalidRange(ValueError):
    """A version range that cannot be parsed."""


def _bound(op, major, minor=0, patch=0, prerelease=()):
    return (op, SemVer(major, minor, patch, prerelease))


def _comparator_bounds(text):
    """Translate one comparator into a list of (operator, SemVer) bounds that must all hold."""
    match = _COMPARATOR.fullmatch(text)
    if not match:
        raise InvalidRange('invalid version range comparator %r: expected %s' % (text, FORMS))
    op = match.group('op') or '='
    op = '=' if op == '==' else op
    parts = []
    for name in ('major', 'minor', 'patch'):
        value = match.group(name)
        if value is None or value in _WILD:
            break
        parts.append(int(value))
    tail = match.group('tail')
    if tail is not None:
        if len(parts) < 3:
            raise InvalidRange('invalid version range comparator %r: a pre-release or build needs a full '
                               'MAJOR.MINOR.PATCH version' % text)
        try:
            full = SemVer.parse('%d.%d.%d%s' % (parts[0], parts[1], parts[2], tail))
        except InvalidVersion:
            raise InvalidRange('invalid version range comparator %r: expected %s' % (text, FORMS))
    elif len(parts) == 3:
        full = SemVer(*parts)
    else:
        full = None

    if full is not None:
        major, minor, patch = full.release
        if op == '^':
            if major:
                return [('>=', full), _bound('<', major + 1)]
            if minor:
                return [('>=', full), _bound('<', 0, minor + 1)]
            return [('>=', full), _bound('<', 0, 0, patch + 1)]
        if op == '~':
            return [('>=', full), _bound('<', major, minor + 1)]
        return [(op, full)]

    if not parts:
        if op in ('>', '<'):
            raise InvalidRange('version range %r matches no version' % text)
        return []

    # A partial version: fill it as the smallest or the first excluded version.
    low = _bound('>=', *parts)
    if len(parts) == 1:
        next_up = _bound('<', parts[0] + 1)
    else:
        next_up = _bound('<', parts[0], parts[1] + 1)
    if op in ('=', '~'):
        return [low, next_up]
    if op == '^':
        if parts[0] or len(parts) == 1:
            return [low, _bound('<', parts[0] + 1)]
        return [low, _bound('<', 0, parts[1] + 1)]
    if op == '>=':
        return [low]
    if op == '>':
        return [('>=', next_up[1])]
    if op == '<':
        return [('<', low[1])]
    return [next_up]  # '<='


class VersionRange:
    """A parsed range: alternatives (``||``) of comparator sets that must all hold."""

    def __init__(self, text, alternatives):
        self.text = text
        self.alternatives = alternatives

    @classmethod
    def parse(cls, text):
        if not isinstance(text, str) or not text.strip():
            raise InvalidRange('invalid version range %r: expected %s' % (text, FORMS))
        alternatives = []
        for alternative in text.split('||'):
            # Let '>= 1.2' be written with a space between operator and version.
            joined = re.sub(r'(\^|~|>=|<=|>|<|==|=)\s+', r'\1', alternative.strip())
            pieces = joined.split(',')
            if not joined or any(not piece.strip() for piece in pieces):
                raise InvalidRange('invalid version range %r: empty comparator (around "," or "||")' % text)
            comparators = [c for piece in pieces for c in piece.split()]
            bounds = []
            for comparator in comparators:
                try:
                    bounds.extend(_comparator_bounds(comparator))
                except InvalidRange as e:
                    raise InvalidRange('invalid version range %r: %s' % (text, e))
            alternatives.append(bounds)
        return cls(text.strip(), alternatives)

    def allows(self, version):
        if not isinstance(version, SemVer):
            version = SemVer.parse(version)
        return any(self._set_allows(bounds, version) for bounds in self.alternatives)

    @staticmethod
    def _set_allows(bounds, version):
        if not all(_OPERATORS[op](version, bound) for op, bound in bounds):
            return False
        if not version.prerelease:
            return True
        return any(bound.prerelease and bound.release == version.release for op, bound in bounds)

    def is_empty(self):
        """True when no version at all satisfies the range (``>=2,<1``, ``>1.0.0,<1.0.1``)."""
        for bounds in self.alternatives:
            for candidate in self._candidates(bounds):
                if self._set_allows(bounds, candidate):
                    return False
        return True

    @staticmethod
    def _candidates(bounds):
        # The smallest release version above every lower bound, and for each pre-release that a
        # bound names: the first pre-release of its MAJOR.MINOR.PATCH, the bound itself and its
        # immediate successor. The versions a comparator set allows form an interval among the
        # releases and one per pre-released MAJOR.MINOR.PATCH; each interval starts at one of these.
        lowest = SemVer(0, 0, 0)
        candidates = []
        for op, bound in bounds:
            if op in ('>=', '>', '='):
                if bound.prerelease:
                    step = SemVer(*bound.release)
                elif op == '>':
                    step = SemVer(bound.major, bound.minor, bound.patch + 1)
                else:
                    step = SemVer(*bound.release)
                lowest = max(lowest, step)
            if bound.prerelease:
                candidates.extend([SemVer(*bound.release, prerelease=(0,)),
                                   SemVer(*bound.release, prerelease=bound.prerelease),
                                   SemVer(*bound.release, prerelease=bound.prerelease + (0,))])
        return [lowest] + candidates

    def __str__(self):
        return self.text

    def __repr__(self):
        return 'VersionRange(%r)' % self.text


def parse_range(text):
    """Return the VersionRange for ``text`` or raise InvalidRange naming the value."""
    return VersionRange.parse(text)


def satisfies(version, range_text):
    """True when ``version`` (text or SemVer) is inside ``range_text``."""
    return VersionRange.parse(range_text).allows(version)
