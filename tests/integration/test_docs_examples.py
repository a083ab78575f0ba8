# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every fenced block of the README and docs/ is an example, and every example runs.

An HTML comment on the line before a block says how it runs:

    <!-- example: tasks -->          tasks, in a play with the test database's connection defaults
    <!-- example: playbook -->       a playbook
    <!-- example: command -->        shell lines; each ansible-playbook line runs with the test's overrides
    <!-- example: file PATH -->      a file of the page's project directory (inventory.yml, group_vars/...)
    <!-- example: manifest NAME -->  a module.yml, read as the deploy reads it
    <!-- example: ci -->             commands that .ci/run runs
    <!-- example: data [KIND] -->    configuration for AWX or ansible-builder: it parses; `survey PLAYBOOK`:
                                     asks only for what the playbook reads; `survey workflow`: each node's
                                     playbook asks the same; `artifact PLAYBOOK`: the keys it publishes;
                                     `ee`: ansible-builder create accepts it

A page's examples run in order in one project directory with the sample blog checked out at
/srv/checkout/blog. Every ansible-playbook process runs in a private mount namespace where /srv and
/var/backups are directories of the test, so the examples run verbatim and touch nothing outside.
`<!-- test: ... (overlay NAME) -->` lays examples/blog/NAME over the checkout, as a new commit would.
"""

import glob
import os
import re

import pytest

from example_env import Page
from harness.playbook import ROOT

PAGES = [os.path.join(ROOT, 'README.md')] + sorted(glob.glob(os.path.join(ROOT, 'docs', '*.md')))
DIRECTIVE = re.compile(r'^<!-- (example|test): (.*?) -->$')
KINDS = ('tasks', 'playbook', 'command', 'file', 'manifest', 'ci', 'data')


def blocks_of(path):
    """(line, kind, argument, code) of each fenced block, and the test directives, in page order."""
    found = []
    lines = open(path).read().split('\n')
    index = 0
    while index < len(lines):
        line = lines[index]
        directive = DIRECTIVE.match(line)
        if directive and directive.group(1) == 'test':
            overlay = re.search(r'\(overlay ([\w.-]+)\)', directive.group(2))
            found.append((index + 1, 'overlay', overlay.group(1) if overlay else None, None))
        if line.startswith('```'):
            end = lines.index('```', index + 1)
            previous = DIRECTIVE.match(lines[index - 1]) if index else None
            if previous and previous.group(1) == 'example':
                kind, _space, argument = previous.group(2).partition(' ')
            else:
                kind, argument = None, ''
            found.append((index + 1, kind, argument, '\n'.join(lines[index + 1:end]) + '\n'))
            index = end
        index += 1
    return found


def test_every_fenced_block_is_a_known_example():
    unmarked = []
    for page in PAGES:
        for line, kind, _argument, code in blocks_of(page):
            if code is not None and kind not in KINDS:
                unmarked.append('%s:%d' % (os.path.relpath(page, ROOT), line))
    assert unmarked == [], 'fenced blocks without an <!-- example: KIND --> comment before them'


@pytest.mark.parametrize('page', [p for p in PAGES if any(b[1] for b in blocks_of(p))],
                         ids=lambda p: os.path.relpath(p, ROOT))
def test_examples_of_the_page_run(page, tmp_path, pg_server):
    runner = Page(page, tmp_path, pg_server)
    for line, kind, argument, code in blocks_of(page):
        runner.example(line, kind, argument, code)
    runner.data.finish(os.path.relpath(page, ROOT))
