# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._semver import (
    MAX_VERSION_LENGTH,
    InvalidVersion,
    SemVer,
    is_version,
    parse_version,
)

# The ordered example of semver.org, section 11.
SEMVER_ORG_ORDER = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
                    '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']


def test_release_candidate_sorts_before_its_release():
    assert parse_version('2.0.0-rc.1') < parse_version('2.0.0')


def test_numbers_compare_numerically():
    assert parse_version('1.10.0') > parse_version('1.9.0')
    assert parse_version('1.0.10') > parse_version('1.0.9')
    assert parse_version('10.0.0') > parse_version('9.99.99')


def test_semver_org_precedence_example():
    assert sorted(parse_version(v) for v in reversed(SEMVER_ORG_ORDER)) == [parse_version(v) for v in SEMVER_ORG_ORDER]
    for low, high in zip(SEMVER_ORG_ORDER, SEMVER_ORG_ORDER[1:]):
        assert parse_version(low) < parse_version(high)


def test_build_metadata_is_kept_but_ignored_for_precedence():
    a, b = parse_version('1.0.0+build.1'), parse_version('1.0.0+exp.sha.5114f85')
    assert a == b and hash(a) == hash(b)
    assert str(a) == '1.0.0+build.1'
    assert parse_version('1.0.0-rc.1+x') < parse_version('1.0.0')


@pytest.mark.parametrize('text', ['1', '1.4', '1.4.0.1', 'v1.4.0', '01.4.0', '1.04.0', '1.4.0-', '1.4.0-01',
                                  '1.4.0-rc..1', '1.4.0+', ' 1.4.0', '1.4.0 ', '1.4.x', '', '١.٢.٣', '1.4.0-rc.1+a+b'])
def test_invalid_versions_are_refused_naming_the_value(text):
    with pytest.raises(InvalidVersion) as error:
        parse_version(text)
    assert repr(text) in str(error.value)
    assert 'MAJOR.MINOR.PATCH' in str(error.value)
    assert not is_version(text)


def test_non_string_is_refused():
    with pytest.raises(InvalidVersion):
        parse_version(1.4)


identifiers = st.one_of(st.integers(min_value=0, max_value=10 ** 6).map(str),
                        st.from_regex(r'\A[0-9A-Za-z-]*[A-Za-z-][0-9A-Za-z-]*\Z'))
versions = st.builds(
    lambda major, minor, patch, pre, build: '%d.%d.%d%s%s' % (
        major, minor, patch, '-' + '.'.join(pre) if pre else '', '+' + '.'.join(build) if build else ''),
    st.integers(0, 50), st.integers(0, 50), st.integers(0, 50),
    st.lists(identifiers, max_size=3), st.lists(st.from_regex(r'\A[0-9A-Za-z-]+\Z'), max_size=2),
).filter(lambda text: len(text) <= MAX_VERSION_LENGTH)  # longer ones are refused (below)


@given(versions)
def test_text_round_trips(text):
    assert str(parse_version(text)) == text


@given(versions, versions)
def test_ordering_is_total_and_antisymmetric(a, b):
    va, vb = parse_version(a), parse_version(b)
    assert sum([va < vb, va == vb, va > vb]) == 1
    assert (va <= vb) == (va < vb or va == vb)
    assert (va == vb) == (vb == va)


@given(versions, versions, versions)
def test_ordering_is_transitive(a, b, c):
    va, vb, vc = sorted(parse_version(v) for v in (a, b, c))
    assert va <= vb <= vc and va <= vc


@given(versions)
def test_a_prerelease_sorts_below_its_release_and_above_the_previous_patch(text):
    version = parse_version(text)
    release = SemVer(*version.release)
    if version.prerelease:
        assert version < release
        if version.patch:
            assert version > SemVer(version.major, version.minor, version.patch - 1)
    else:
        assert version == release


@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000),
       st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_releases_order_like_integer_triples(a, b, c, x, y, z):
    assert (parse_version('%d.%d.%d' % (a, b, c)) < parse_version('%d.%d.%d' % (x, y, z))) == ((a, b, c) < (x, y, z))


def test_a_trailing_newline_is_not_part_of_a_valid_version():
    with pytest.raises(InvalidVersion):
        parse_version('1.4.0\n')


@pytest.mark.parametrize('text', ['1' * 10000 + '.0.0', '1.0.0-' + 'a' * 10000, '1.0.0+' + 'b' * (MAX_VERSION_LENGTH - 5)])
def test_a_version_longer_than_the_limit_is_refused_quoting_only_its_start(text):
    with pytest.raises(InvalidVersion) as error:
        parse_version(text)
    message = str(error.value)
    assert message.startswith("invalid version '%s...' (%d characters): at most %d characters"
                              % (text[:32], len(text), MAX_VERSION_LENGTH)), message
    assert len(message) < 300
    assert not is_version(text)


def test_the_longest_version_is_accepted():
    longest = '1.0.0+' + 'b' * (MAX_VERSION_LENGTH - 6)
    assert str(parse_version(longest)) == longest
