# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Files that appear whole or not at all: written as a 0600 ``.partial`` beside their final name,
fsynced, renamed, and the directory fsynced; a failure removes the partial."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
from contextlib import contextmanager


def fsync_directory(path):
    fd = os.open(path or '.', os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path, unique=True):
    """A binary file object to write ``path`` through; ``path`` exists only once the block succeeded.

    The partial is ``<path>.partial-<random>``; with ``unique`` False, for a writer that owns the name
    already, simply ``<path>.partial``.
    """
    directory = os.path.dirname(path) or '.'
    if unique:
        fd, partial = tempfile.mkstemp(prefix=os.path.basename(path) + '.partial-', dir=directory)
    else:
        partial = path + '.partial'
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, 'O_NOFOLLOW', 0), 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, 'wb') as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.rename(partial, path)
    except BaseException:
        try:
            os.unlink(partial)
        except OSError:
            pass
        raise
    fsync_directory(directory)
