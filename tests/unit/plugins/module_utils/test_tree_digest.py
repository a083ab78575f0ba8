# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import os

from ansible_collections.blogops.release.plugins.module_utils._tree_digest import file_sha256, tree_manifest, tree_sha256


def make_tree(root):
    os.makedirs(os.path.join(root, 'static', 'css'))
    with open(os.path.join(root, 'static', 'css', 'site.css'), 'w') as f:
        f.write('body {}\n')
    with open(os.path.join(root, 'run.sh'), 'w') as f:
        f.write('#!/bin/sh\n')
    os.chmod(os.path.join(root, 'run.sh'), 0o755)
    os.symlink('static/css/site.css', os.path.join(root, 'style.css'))


def test_equal_trees_have_equal_checksums_whatever_the_timestamps_and_read_bits(tmp_path):
    a, b = str(tmp_path / 'a'), str(tmp_path / 'b')
    make_tree(a)
    make_tree(b)
    os.utime(os.path.join(b, 'run.sh'), (0, 0))
    os.chmod(os.path.join(b, 'static', 'css', 'site.css'), 0o444)
    assert tree_sha256(a) == tree_sha256(b)
    assert tree_manifest(a) == [
        'f "run.sh" x %s' % file_sha256(os.path.join(a, 'run.sh')),
        'd "static"',
        'd "static/css"',
        'f "static/css/site.css" - %s' % file_sha256(os.path.join(a, 'static', 'css', 'site.css')),
        'l "style.css" "static/css/site.css"',
    ]


def test_any_content_name_link_or_executable_change_changes_the_checksum(tmp_path):
    base = str(tmp_path / 'base')
    make_tree(base)
    reference = tree_sha256(base)
    changes = [
        lambda r: open(os.path.join(r, 'static', 'css', 'site.css'), 'a').write('x'),
        lambda r: os.rename(os.path.join(r, 'run.sh'), os.path.join(r, 'start.sh')),
        lambda r: (os.unlink(os.path.join(r, 'style.css')), os.symlink('run.sh', os.path.join(r, 'style.css'))),
        lambda r: os.chmod(os.path.join(r, 'run.sh'), 0o644),
        lambda r: os.mkdir(os.path.join(r, 'empty')),
    ]
    for number, change in enumerate(changes):
        root = str(tmp_path / ('c%d' % number))
        make_tree(root)
        change(root)
        assert tree_sha256(root) != reference, 'change %d went unnoticed' % number


def test_hashing_with_several_threads_gives_the_same_manifest(tmp_path):
    root = str(tmp_path / 'tree')
    make_tree(root)
    for number in range(20):
        with open(os.path.join(root, 'static', 'f%02d.dat' % number), 'wb') as f:
            f.write(os.urandom(1000 + number))
    assert tree_manifest(root, workers=4) == tree_manifest(root)
    assert tree_sha256(root, workers=4) == tree_sha256(root)
