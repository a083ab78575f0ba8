# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Each role's defaults/main.yml, meta/argument_specs.yml and README.md say the same thing."""

import os
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLES = sorted(os.listdir(os.path.join(ROOT, 'roles')))
sys.path.insert(0, os.path.join(ROOT, 'scripts'))

import role_docs  # noqa: E402


def load(role, *parts):
    with open(os.path.join(ROOT, 'roles', role, *parts)) as f:
        return yaml.safe_load(f) or {}


def options(role):
    merged = {}
    for spec in load(role, 'meta', 'argument_specs.yml')['argument_specs'].values():
        for name, option in (spec.get('options') or {}).items():
            assert merged.get(name, option) == option, '%s: option %s differs between entry points' % (role, name)
            merged[name] = option
    return merged


@pytest.mark.parametrize('role', ROLES)
def test_defaults_and_argument_spec_do_not_drift(role):
    defaults = load(role, 'defaults', 'main.yml')
    spec = options(role)
    assert sorted(set(defaults) - set(spec)) == [], 'in defaults/main.yml but not in the argument spec'
    assert sorted(n for n, o in spec.items() if not o.get('required') and n not in defaults) == [], \
        'optional in the argument spec but without a value in defaults/main.yml'
    for name, option in spec.items():
        assert name.startswith(role + '_'), '%s is not prefixed with the role name' % name
        assert option.get('description'), '%s has no description' % name
        if 'default' in option:
            # The same value and type: 0 and 0.0 are equal, but a role run alone would report 0.0.
            assert (defaults[name], type(defaults[name])) == (option['default'], type(option['default'])), \
                '%s: defaults/main.yml says %r, the spec %r' % (name, defaults[name], option['default'])
        elif name in defaults and not option.get('required'):
            assert '{{' in str(defaults[name]), '%s: a plain default belongs in the argument spec too' % name


@pytest.mark.parametrize('role', ROLES)
def test_every_entry_point_has_its_tasks_and_every_option(role):
    defaults = load(role, 'defaults', 'main.yml')
    tasks = sorted(name[:-4] for name in os.listdir(os.path.join(ROOT, 'roles', role, 'tasks')))
    for entry_point, spec in load(role, 'meta', 'argument_specs.yml')['argument_specs'].items():
        assert entry_point in tasks, 'a spec for entry point %s without tasks/%s.yml' % (entry_point, entry_point)
        assert sorted(spec.get('options') or {}) == sorted(defaults), \
            'the options of entry point %s differ from defaults/main.yml' % entry_point


@pytest.mark.parametrize('role', ROLES)
def test_readme_is_generated_from_the_argument_spec(role):
    with open(os.path.join(ROOT, 'roles', role, 'README.md')) as f:
        assert f.read() == role_docs.role_readme(role), 'run .venv/bin/python scripts/role_docs.py'
