# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every role option is in meta/argument_specs.yml and defaults/main.yml, and the two agree."""

import os

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLES = sorted(os.listdir(os.path.join(ROOT, 'roles')))


def load(role, *path):
    with open(os.path.join(ROOT, 'roles', role, *path)) as f:
        return yaml.safe_load(f) or {}


@pytest.mark.parametrize('role', ROLES)
def test_defaults_and_argument_specs_do_not_drift(role):
    defaults = load(role, 'defaults', 'main.yml')
    specs = load(role, 'meta', 'argument_specs.yml')['argument_specs']
    tasks = sorted(name[:-4] for name in os.listdir(os.path.join(ROOT, 'roles', role, 'tasks')))
    for entry_point, spec in specs.items():
        assert entry_point in tasks, '%s has a spec for entry point %s without tasks/%s.yml' % (role, entry_point, entry_point)
        options = spec.get('options') or {}
        assert sorted(options) == sorted(defaults), '%s:%s options differ from defaults/main.yml' % (role, entry_point)
        for name, option in options.items():
            assert name.startswith(role + '_'), '%s: option %s is not prefixed with the role name' % (role, name)
            assert option.get('description'), '%s: option %s has no description' % (role, name)
            if 'default' in option:
                # The same value and type: 0 and 0.0 are equal, but a role run alone would report 0.0.
                assert (option['default'], type(option['default'])) == (defaults[name], type(defaults[name])), \
                    '%s: %s defaults to %r in the spec, %r in defaults/main.yml' % (role, name, option['default'], defaults[name])
            elif not option.get('required'):
                # A computed default (the first host of group blog_db) lives in defaults/main.yml only.
                assert '{{' in str(defaults[name]), '%s: %s has no default in the spec' % (role, name)
