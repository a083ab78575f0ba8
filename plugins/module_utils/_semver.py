# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Semantic versions of blog modules, ordered as https://semver.org/ (section 11) says."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_NUMBER = r'0|[1-9]\d*'
_IDENT = r'(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)'
_SEMVER = re.compile(
    r'^(?P<major>%s)\.(?P<minor>%s)\.(?P<patch>%s)'
    r'(?:-(?P<pre>%s(?:\.%s)*))?'
    r'(?:\+(?P<build>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$' % (_NUMBER, _NUMBER, _NUMBER, _IDENT, _IDENT),
    re.ASCII,
)

EXAMPLE = 'MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD], for example 1.4.0 or 2.0.0-rc.1'
# A version ends up in release directory names, backup labels (200 characters, with the blog module's name)
# and messages; it is refused above this length before anything is parsed (int() refuses 4300 digits).
MAX_VERSION_LENGTH = 100
# How much of a refused value a message quotes.
QUOTED = 32


class InvalidVersion(ValueError):
    """A version string that is not a semantic version."""


class SemVer:
    """One semantic version.

    Equality and ordering follow semver precedence: build metadata is kept for display
    but ignored when comparing, so ``1.0.0+a == 1.0.0+b``.
    """

    __slots__ = ('major', 'minor', 'patch', 'prerelease', 'build')

    def __init__(self, major, minor, patch, prerelease=(), build=()):
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = tuple(prerelease)
        self.build = tuple(build)

    @classmethod
    def parse(cls, text):
        if not isinstance(text, str):
            raise InvalidVersion('invalid version %r: expected a string %s' % (text, EXAMPLE))
        if len(text) > MAX_VERSION_LENGTH:
            raise InvalidVersion("invalid version %s...' (%d characters): at most %d characters, %s"
                                 % (repr(text[:QUOTED])[:-1], len(text), MAX_VERSION_LENGTH, EXAMPLE))
        match = _SEMVER.fullmatch(text)
        if not match:
            raise InvalidVersion('invalid version %r: expected %s' % (text, EXAMPLE))
        pre = match.group('pre')
        build = match.group('build')
        return cls(
            int(match.group('major')), int(match.group('minor')), int(match.group('patch')),
            tuple(int(p) if p.isdigit() else p for p in pre.split('.')) if pre else (),
            tuple(build.split('.')) if build else (),
        )

    @property
    def release(self):
        return (self.major, self.minor, self.patch)

    def _key(self):
        # A release sorts after all of its pre-releases; within a pre-release, numeric
        # identifiers sort before alphanumeric ones and a longer list wins a tie.
        if not self.prerelease:
            return (self.release, 1, ())
        return (self.release, 0, tuple((0, p, '') if isinstance(p, int) else (1, 0, p) for p in self.prerelease))

    def __eq__(self, other):
        return isinstance(other, SemVer) and self._key() == other._key()

    def __ne__(self, other):
        return not self == other

    def __lt__(self, other):
        return self._key() < other._key()

    def __le__(self, other):
        return self._key() <= other._key()

    def __gt__(self, other):
        return self._key() > other._key()

    def __ge__(self, other):
        return self._key() >= other._key()

    def __hash__(self):
        return hash(self._key())

    def __str__(self):
        text = '%d.%d.%d' % self.release
        if self.prerelease:
            text += '-' + '.'.join(str(p) for p in self.prerelease)
        if self.build:
            text += '+' + '.'.join(self.build)
        return text

    def __repr__(self):
        return 'SemVer(%r)' % str(self)


def parse_version(text):
    """Return the SemVer for ``text`` or raise InvalidVersion naming the value."""
    return SemVer.parse(text)


def is_version(text):
    try:
        SemVer.parse(text)
    except InvalidVersion:
        return False
    return True
