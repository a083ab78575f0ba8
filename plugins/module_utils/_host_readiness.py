# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of an app or database host before a deploy: paths writable with free space, variables set."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile


def existing_ancestor(path):
    """The path itself or its nearest existing parent: where the deploy will create what is missing."""
    path = os.path.abspath(path)
    while not os.path.exists(path):
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return path


def write_probe(directory):
    """Create and remove a file: the only check that sees permissions, ACLs, read-only mounts and immutable flags."""
    try:
        fd, probe = tempfile.mkstemp(prefix='.blogops-write-check-', dir=directory)
    except OSError as e:
        return e.strerror or str(e)
    os.close(fd)
    os.unlink(probe)
    return None


def check_path(path, min_free_mb):
    """Problems with a directory the deploy writes to (created when missing)."""
    base = existing_ancestor(path)
    detail = dict(path=path, checked=base, exists=base == os.path.abspath(path))
    problems = []
    if not os.path.isdir(base):
        problems.append('%s: %s is not a directory' % (path, base))
        return detail, problems
    error = write_probe(base)
    detail['writable'] = error is None
    if error:
        problems.append('%s is not writable (%s): %s' % (path, base, error))
    st = os.statvfs(base)
    free_mb = st.f_bavail * st.f_frsize // (1024 * 1024)
    detail['free_mb'] = free_mb
    if min_free_mb and free_mb < min_free_mb:
        problems.append('%s has %d MB free, needs at least %d MB' % (path, free_mb, min_free_mb))
    return detail, problems


def check_environment(names, environ=None):
    environ = os.environ if environ is None else environ
    return ['environment variable %s is not set' % name for name in names if not environ.get(name)]
