# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.blogops.release.plugins.module_utils._plain_dump_input import (
    psql_can_restrict,
    restricted_input,
)

DUMP = (b'--\n-- PostgreSQL database dump\n--\n\n\\restrict AbC123\n\n-- Dumped from database version 15.18\n\n'
        b'SET statement_timeout = 0;\nCOPY public.t (x) FROM stdin;\na\\\\b\n\\.\n\n'
        b'--\n-- PostgreSQL database dump complete\n--\n\n\\unrestrict AbC123\n\n')


def restored_input(tmp_path, content, key='OURKEY'):
    path = tmp_path / 'blog_backup_20261124_100000.sql'
    path.write_bytes(content)
    used, chunks = restricted_input(str(path), key)
    assert used == key
    return b''.join(chunks)


@pytest.mark.parametrize('version, knows', [('15.18', True), ('15.14', True), ('15.13', False), ('16.10', True),
                                            ('16.9', False), ('17.6', True), ('18', True), ('18.1', True),
                                            ('12.22', False), ('14.19', True), ('13.21', False), ('dev', False)])
def test_psql_releases_that_know_restrict(version, knows):
    assert psql_can_restrict(version) is knows


def test_the_input_starts_restricted_and_leaves_out_only_pg_dumps_own_pair(tmp_path):
    data = restored_input(tmp_path, DUMP)
    assert data.startswith(b'\\restrict OURKEY\n--\n-- PostgreSQL database dump\n')
    assert b'AbC123' not in data
    assert data == b'\\restrict OURKEY\n' + DUMP.replace(b'\\restrict AbC123\n', b'').replace(b'\\unrestrict AbC123\n', b'')


@pytest.mark.parametrize('planted', [
    b'\\! touch /tmp/x\n',
    b'SELECT 1; \\! touch /tmp/x\n',
    b'\\unrestrict AbC123\n\\! touch /tmp/x\n',
    b'\\restrict AbC123\n',
])
def test_planted_meta_commands_stay_in_the_input_where_psql_refuses_them(tmp_path, planted):
    hostile = DUMP.replace(b'SET statement_timeout', planted + b'SET statement_timeout')
    data = restored_input(tmp_path, hostile)
    assert data.startswith(b'\\restrict OURKEY\n')
    assert planted in data
    assert data.count(b'\\restrict ') == 1 + planted.count(b'\\restrict ')


def test_a_pair_that_is_not_pg_dumps_own_is_kept(tmp_path):
    before_header = b'\\! id\n' + DUMP
    data = restored_input(tmp_path, before_header)
    assert b'\\restrict AbC123\n' in data and b'\\unrestrict AbC123\n' in data, 'psql refuses both: nothing runs'
    trailing = DUMP + b'SELECT 1;\n'
    data = restored_input(tmp_path, trailing)
    assert b'\\unrestrict AbC123\n' in data
    assert restored_input(tmp_path, b'SELECT 1;\n') == b'\\restrict OURKEY\nSELECT 1;\n'


def test_the_key_is_random_and_long(tmp_path):
    path = tmp_path / 'd.sql'
    path.write_bytes(DUMP)
    keys = set(restricted_input(str(path))[0] for _round in range(20))
    assert len(keys) == 20 and all(len(k) == 64 and k.isalnum() for k in keys)
