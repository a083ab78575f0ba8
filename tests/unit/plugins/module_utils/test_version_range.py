# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from hypothesis import assume, given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._semver import SemVer
from ansible_collections.blogops.release.plugins.module_utils._version_range import InvalidRange, parse_range, satisfies

CASES = [
    # range, inside, outside
    ('>=1.2,<2', ['1.2.0', '1.4.2', '1.99.99'], ['1.1.9', '2.0.0', '2.0.0-rc.1', '1.5.0-beta.1', '0.9.0']),
    ('>=1.2 <2', ['1.2.0', '1.9.0'], ['2.0.0', '1.1.0']),
    ('>= 1.2, < 2', ['1.2.0'], ['2.0.0']),
    ('^1.2', ['1.2.0', '1.9.9'], ['1.1.9', '2.0.0', '2.0.0-alpha']),
    ('^1.2.3', ['1.2.3', '1.3.0'], ['1.2.2', '2.0.0']),
    ('^0.2.3', ['0.2.3', '0.2.9'], ['0.3.0', '0.2.2']),
    ('^0.0.3', ['0.0.3'], ['0.0.4', '0.0.2']),
    ('^0.2', ['0.2.0', '0.2.7'], ['0.3.0']),
    ('^0', ['0.0.0', '0.9.9'], ['1.0.0']),
    ('~1.4', ['1.4.0', '1.4.99'], ['1.5.0', '1.3.9']),
    ('~1.4.2', ['1.4.2', '1.4.3'], ['1.4.1', '1.5.0']),
    ('~1', ['1.0.0', '1.9.0'], ['2.0.0']),
    ('1.x', ['1.0.0', '1.99.0'], ['2.0.0', '0.9.9']),
    ('1.4.x', ['1.4.0', '1.4.7'], ['1.5.0']),
    ('1.*', ['1.2.3'], ['2.0.0']),
    ('*', ['0.0.0', '99.0.0'], ['1.0.0-rc.1']),
    ('x', ['3.1.4'], []),
    ('1.4.2', ['1.4.2', '1.4.2+build.7'], ['1.4.3', '1.4.2-rc.1']),
    ('=1.4.2', ['1.4.2'], ['1.4.1']),
    ('==1.4.2', ['1.4.2'], ['1.4.1']),
    ('1.4', ['1.4.0', '1.4.9'], ['1.5.0']),
    ('>1.2', ['1.3.0'], ['1.2.9']),
    ('>1.2.3', ['1.2.4'], ['1.2.3']),
    ('<=1.4', ['1.4.9'], ['1.5.0']),
    ('<=1.4.2', ['1.4.2'], ['1.4.3']),
    ('<2', ['1.9.9'], ['2.0.0', '2.0.0-rc.1']),
    ('>=2.0.0-rc.1', ['2.0.0-rc.1', '2.0.0-rc.2', '2.0.0', '3.0.0'], ['2.0.0-beta.9', '3.0.0-rc.1']),
    ('^1.2.3-beta.2', ['1.2.3-beta.2', '1.2.3-beta.4', '1.2.3', '1.9.0'], ['1.2.3-beta.1', '1.2.4-beta.9', '2.0.0']),
    ('^1.0 || ^3.0', ['1.5.0', '3.2.0'], ['2.0.0', '4.0.0']),
]


@pytest.mark.parametrize('range_text, inside, outside', CASES)
def test_range_forms(range_text, inside, outside):
    version_range = parse_range(range_text)
    for version in inside:
        assert version_range.allows(version), '%s should satisfy %s' % (version, range_text)
    for version in outside:
        assert not version_range.allows(version), '%s should not satisfy %s' % (version, range_text)


@pytest.mark.parametrize('text', ['', '   ', '>=', '>>1', '1.2.3.4', '^', '~>1.2', '1.2-rc.1', 'latest', '>=1.2,,',
                                  '1 - 2', '||', '^1.2 ||', '>*', '<*', None, 12])
def test_invalid_ranges_are_refused_naming_the_value(text):
    with pytest.raises(InvalidRange) as error:
        parse_range(text)
    assert repr(text) in str(error.value) or repr(str(text)) in str(error.value)


def test_satisfies_accepts_text_and_rejects_bad_versions():
    assert satisfies('1.4.2', '>=1.2,<2')
    with pytest.raises(ValueError):
        satisfies('1.4', '>=1.2,<2')


@pytest.mark.parametrize('range_text, empty', [
    ('>=2,<1', True), ('>1.0.0,<1.0.1', True), ('>=1.0.0 <1.0.0', True), ('<0.0.0', True),
    ('>0.9.9,<0.9.10-rc.1', False), ('>1.0.0-rc.1,<1.0.0', False), ('^1.2', False), ('*', False),
    ('>=2,<1 || 3.x', False), ('=1.0.0-rc.1', False), ('>=1.0.0 <=1.0.0', False),
])
def test_empty_ranges_are_detected(range_text, empty):
    assert parse_range(range_text).is_empty() is empty


releases = st.builds(SemVer, st.integers(0, 20), st.integers(0, 20), st.integers(0, 20))
prereleases = st.builds(lambda v, tag, n: SemVer(v.major, v.minor, v.patch, (tag, n)),
                        releases, st.sampled_from(['alpha', 'beta', 'rc']), st.integers(0, 5))
any_versions = st.one_of(releases, prereleases)


@given(releases, releases)
def test_caret_equals_its_explicit_bounds(base, version):
    assume(base.major > 0)
    caret = parse_range('^%s' % base).allows(version)
    explicit = parse_range('>=%s,<%d.0.0' % (base, base.major + 1)).allows(version)
    assert caret == explicit


@given(releases, releases)
def test_tilde_equals_its_explicit_bounds(base, version):
    tilde = parse_range('~%s' % base).allows(version)
    assert tilde == (base <= version < SemVer(base.major, base.minor + 1, 0))


@given(releases, any_versions)
def test_comparisons_agree_with_ordering(base, version):
    assert parse_range('>=%s' % base).allows(version) == (version >= base and not version.prerelease)
    assert parse_range('<%s' % base).allows(version) == (version < base and not version.prerelease)


@given(st.lists(any_versions, min_size=1, max_size=4), any_versions)
def test_a_range_that_allows_something_is_not_empty(bounds, version):
    text = ','.join('>=%s' % b for b in bounds[:1]) + ''.join(',<=%s' % b for b in bounds[1:])
    version_range = parse_range(text)
    if version_range.allows(version):
        assert not version_range.is_empty()


@given(any_versions, any_versions)
def test_is_empty_is_exact_for_two_bounds(low, high):
    version_range = parse_range('>=%s,<=%s' % (low, high))
    # Either bound itself fits when anything does (both name pre-releases where needed).
    expected_nonempty = any(version_range.allows(v) for v in (low, high, SemVer(*low.release), SemVer(*high.release)))
    assert version_range.is_empty() is not expected_nonempty
