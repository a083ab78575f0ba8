# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import hashlib
import os
import stat

import psycopg2.extensions
import pytest
from hypothesis import given, strategies as st

from ansible_collections.blogops.release.plugins.module_utils._pg_client import (
    ClientProgramError,
    PgClient,
    passfile_line,
)

PASSWORD = "s3cr:t\\pa'ss"
texts = st.text(alphabet=st.characters(blacklist_categories=('Cs',), blacklist_characters='\0'), min_size=1, max_size=30)


def fake_program(tmp_path, name, script):
    path = tmp_path / name
    path.write_text('#!/bin/sh\n' + script)
    path.chmod(0o755)
    return str(tmp_path)


@given(texts, texts)
def test_the_connection_string_carries_any_value_and_never_the_password(dbname, user):
    client = PgClient(dict(host='db.example.com', port=5433, user=user, dbname='x', password=PASSWORD), '/tmp')
    parsed = psycopg2.extensions.parse_dsn(client.conninfo(dbname))
    assert parsed == dict(host='db.example.com', port='5433', user=user, dbname=dbname)


def test_passfile_lines_escape_colons_and_backslashes():
    assert passfile_line(PASSWORD) == "*:*:*:*:s3cr\\:t\\\\pa'ss\n"


def test_the_passfile_exists_only_while_the_program_runs_and_is_private(tmp_path):
    client = PgClient(dict(dbname='blog', password=PASSWORD), str(tmp_path))
    with client.environment() as env:
        path = env['PGPASSFILE']
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        with open(path) as f:
            assert f.read() == passfile_line(PASSWORD)
        assert 'PGPASSWORD' not in env
        assert PASSWORD not in ''.join(env.values())
    assert not os.path.exists(path)


def test_streaming_hashes_what_it_writes(tmp_path):
    bin_dir = fake_program(tmp_path, 'pg_dump', 'head -c 3000000 /dev/zero; printf tail\n')
    client = PgClient(dict(dbname='blog'), str(tmp_path), bin_dir=bin_dir)
    out = str(tmp_path / 'out')
    with client.environment() as env:
        digest, size, _seconds = client.stream_to_file('dumping', 'pg_dump', [], env, out)
    with open(out, 'rb') as f:
        data = f.read()
    assert size == len(data) == 3000004
    assert digest == hashlib.sha256(data).hexdigest()


def test_errors_come_verbatim_without_the_password(tmp_path):
    bin_dir = fake_program(tmp_path, 'pg_dump', 'echo "pg_dump: error: connection failed for password $1" >&2; exit 1\n')
    client = PgClient(dict(dbname='blog', password=PASSWORD), str(tmp_path), bin_dir=bin_dir)
    with client.environment() as env:
        with pytest.raises(ClientProgramError) as error:
            client.stream_to_file('cannot back up database blog', 'pg_dump', [PASSWORD], env, str(tmp_path / 'out'))
    message = str(error.value)
    assert message.startswith('cannot back up database blog: pg_dump failed with exit code 1:\n')
    assert 'pg_dump: error: connection failed for password ********' in message
    assert PASSWORD not in message


def test_a_killed_program_is_named_with_its_signal(tmp_path):
    bin_dir = fake_program(tmp_path, 'pg_restore', 'kill -9 $$\n')
    client = PgClient(dict(dbname='blog'), str(tmp_path), bin_dir=bin_dir)
    with pytest.raises(ClientProgramError, match=r'pg_restore was killed by signal 9 \(SIGKILL\)'):
        client.run('restoring', 'pg_restore', [], dict(os.environ))


def test_a_missing_program_says_how_to_get_it(tmp_path):
    client = PgClient(dict(dbname='blog'), str(tmp_path), find_program=lambda name: None)
    with pytest.raises(ClientProgramError, match='pg_dump was not found on the PATH.*pg_bin_dir'):
        client.program('pg_dump')
    with pytest.raises(ClientProgramError, match='is not an executable program'):
        PgClient(dict(dbname='blog'), str(tmp_path), bin_dir=str(tmp_path)).program('pg_dump')
