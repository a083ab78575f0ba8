# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""psql's input for restoring a plain-SQL dump, such that no psql meta-command in it can run.

A plain dump is a psql script, and psql runs any meta-command in it (``\\!`` starts a shell
command, ``\\o`` writes files, ``\\i`` and ``\\copy`` read them), at the start of a line or after a
statement. Scanning SQL for them would need psql's own lexer; psql does it itself instead: the
input starts with ``\\restrict <key>``, after which psql refuses every meta-command but
``\\unrestrict <key>``, and the key is random and never in the dump, so nothing in the dump can lift
the restriction. With ``ON_ERROR_STOP`` the first refused command ends the restore.

pg_dump 13.22, 14.19, 15.14, 16.10, 17.6 and newer put such a pair themselves around a plain dump
(``\\restrict`` near the top, ``\\unrestrict`` at the end, with a key of their own); psql does not
nest restrictions, so exactly that pair is left out of the input. Any other ``\\restrict`` or
``\\unrestrict`` line stays, and is refused. A psql older than those releases does not know
``\\restrict``: it fails on the first line, before running anything.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import secrets

CHUNK = 1024 * 1024
HEAD_BYTES = 4096
TAIL_BYTES = 4096
# The first releases of each branch whose psql knows \restrict.
RESTRICT_RELEASES = {13: (13, 22), 14: (14, 19), 15: (15, 14), 16: (16, 10), 17: (17, 6)}
_RESTRICT = re.compile(br'\\restrict ([A-Za-z0-9]+)\n')


def psql_can_restrict(version):
    """Whether psql ``version`` (such as ``15.18``) knows ``\\restrict``."""
    try:
        numbers = tuple(int(part) for part in version.split('.')[:2])
    except ValueError:
        return False
    if not numbers or numbers[0] >= 18:
        return bool(numbers)
    first = RESTRICT_RELEASES.get(numbers[0])
    return first is not None and numbers + (0,) * (2 - len(numbers)) >= first


def own_restriction(path):
    """The byte ranges of pg_dump's own ``\\restrict``/``\\unrestrict`` pair in the dump at ``path``:
    ((start, end) of the first, (start, end) of the second), or None when the dump has no such pair.

    The first must come before any statement (only comment and blank lines above it), the second must
    be the last line that is not a comment or blank, with the same key."""
    size = os.path.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(HEAD_BYTES)
        f.seek(max(0, size - TAIL_BYTES))
        tail_offset = f.tell()
        tail = f.read()
    offset = 0
    opening = None
    for line in head.splitlines(True):
        if not line.endswith(b'\n'):
            break
        match = _RESTRICT.fullmatch(line)
        if match:
            opening = (offset, offset + len(line), match.group(1))
            break
        if line.strip() and not line.startswith(b'--'):
            break
        offset += len(line)
    if opening is None:
        return None
    closing_line = b'\\unrestrict ' + opening[2] + b'\n'
    position = tail.rfind(b'\n' + closing_line)
    if position < 0:
        return None
    start = tail_offset + position + 1
    end = start + len(closing_line)
    rest = tail[position + 1 + len(closing_line):]
    if any(line.strip() and not line.startswith(b'--') for line in rest.splitlines()):
        return None
    return (opening[0], opening[1]), (start, end)


def restricted_input(path, key=None):
    """(key, chunks): the bytes to give psql to restore the plain dump at ``path`` with every meta-command refused."""
    key = key or secrets.token_hex(32)
    skip = own_restriction(path)

    def chunks():
        yield ('\\restrict %s\n' % key).encode('ascii')
        ranges = [(0, os.path.getsize(path))]
        if skip:
            (a, b), (c, d) = skip
            ranges = [(0, a), (b, c), (d, os.path.getsize(path))]
        with open(path, 'rb') as f:
            for start, end in ranges:
                f.seek(start)
                left = end - start
                while left > 0:
                    data = f.read(min(CHUNK, left))
                    if not data:
                        break
                    left -= len(data)
                    yield data

    return key, chunks()
