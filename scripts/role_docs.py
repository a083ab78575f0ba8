# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Write each role's README.md from its meta/argument_specs.yml, so the two cannot drift apart.

    .venv/bin/python scripts/role_docs.py          # rewrite the READMEs
    .venv/bin/python scripts/role_docs.py --check  # exit 1 when one is out of date (the tests do this)
"""

import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROLES = os.path.join(ROOT, 'roles')


def plain(text):
    """Ansible's markup (C(x), O(x), V(x), M(x), RV(x), I(x)) as Markdown."""
    text = re.sub(r'\b[CV]\(([^)]*)\)', r'`\1`', text)
    text = re.sub(r'\b(?:O|RV)\(([^)]*)\)', lambda m: '`%s`' % m.group(1).split('=')[0], text)
    text = re.sub(r'\bM\(([^)]*)\)', r'`\1`', text)
    text = re.sub(r'\bI\(([^)]*)\)', r'*\1*', text)
    return text


def lines_of(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def role_readme(role):
    with open(os.path.join(ROLES, role, 'meta', 'argument_specs.yml')) as f:
        specs = yaml.safe_load(f)['argument_specs']
    out = ['# blogops.release.%s' % role, '',
           '<!-- Written by scripts/role_docs.py from meta/argument_specs.yml; edit that file instead. -->', '']
    main = specs.get('main', {})
    out += [plain(main.get('short_description', '')) + '.', '']
    for paragraph in lines_of(main.get('description')):
        out += [plain(paragraph), '']
    for entry, spec in specs.items():
        title = 'Options' if entry == 'main' else 'Entry point `%s`: %s' % (entry, plain(spec.get('short_description', '')))
        out += ['## %s' % title, '']
        if entry != 'main':
            out += ["`ansible.builtin.include_role: {name: blogops.release.%s, tasks_from: %s}`" % (role, entry), '']
            for paragraph in lines_of(spec.get('description')):
                out += [plain(paragraph), '']
        out += ['| variable | type | default | meaning |', '|---|---|---|---|']
        for name, option in sorted((spec.get('options') or {}).items()):
            kind = option.get('type', 'str')
            if option.get('elements'):
                kind += ' of ' + option['elements']
            default = 'required' if option.get('required') else (
                '`%s`' % yaml.safe_dump(option['default'], default_flow_style=True).strip().replace('\n...', '')
                if 'default' in option else '')
            meaning = ' '.join(plain(p) for p in lines_of(option.get('description'))).replace('|', '\\|')
            out.append('| `%s` | %s | %s | %s |' % (name, kind, default, meaning))
        out.append('')
    return '\n'.join(out).rstrip('\n') + '\n'


def main(argv):
    stale = []
    for role in sorted(os.listdir(ROLES)):
        path = os.path.join(ROLES, role, 'README.md')
        wanted = role_readme(role)
        current = open(path).read() if os.path.exists(path) else None
        if current != wanted:
            stale.append(path)
            if '--check' not in argv:
                with open(path, 'w') as f:
                    f.write(wanted)
    if stale and '--check' in argv:
        print('out of date (run .venv/bin/python scripts/role_docs.py): ' + ', '.join(stale))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
