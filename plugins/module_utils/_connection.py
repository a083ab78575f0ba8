# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection options and sessions, on top of community.postgresql's module_utils."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import platform

from ansible.module_utils.common.text.converters import to_native
from ansible_collections.community.postgresql.plugins.module_utils.postgres import (
    connect_to_db,
    ensure_required_libs,
    get_conn_params,
    pg_cursor_args,
    postgres_common_argument_spec,
)
from ansible_collections.blogops.release.plugins.module_utils._identifiers import InvalidName, check_schema_name


def database_argument_spec(**options):
    """community.postgresql's connection options, the blog database, the tracking schema, then ``options``."""
    spec = postgres_common_argument_spec()
    spec.update(
        login_db=dict(type='str', required=True, aliases=['db', 'database']),
        release_tracking_schema=dict(type='str', default='public'),
    )
    spec.update(options)
    return spec


def application_name(purpose):
    """What pg_stat_activity shows for our sessions: ``blogops.release/<purpose>@<host>``."""
    return 'blogops.release/%s@%s' % (purpose, platform.node() or 'unknown')


def describe_target(conn_params):
    """Database, host, port and user of a connection, never the password."""
    host = conn_params.get('host') or 'the default Unix socket'
    return "database '%s' on %s port %s as user '%s'" % (
        conn_params.get('dbname') or conn_params.get('database'), host,
        conn_params.get('port', 5432), conn_params.get('user'))


def scrub(text, module):
    """Remove the password from a message, whatever put it there."""
    text = to_native(text)
    password = module.params.get('login_password')
    if password:
        text = text.replace(password, '********')
    return text


def tracking_schema(module):
    """The validated release_tracking_schema option; fails the module with a clear message."""
    try:
        return check_schema_name(module.params['release_tracking_schema'])
    except InvalidName as e:
        module.fail_json(msg=to_native(e))


def try_connect(module, purpose, autocommit=False, dbname=None):
    """Open a session to the blog database (or to ``dbname`` on the same server): (connection, None), or
    (None, a message saying where it could not connect) for a caller that goes on without the database."""
    ensure_required_libs(module)
    params = module.params if dbname is None else dict(module.params, login_db=dbname, db=None, database=None)
    conn_params = get_conn_params(module, params, warn_db_default=False)
    conn_params.setdefault('application_name', application_name(purpose))
    conn, error = connect_to_db(module, dict(conn_params), autocommit=autocommit, fail_on_conn=False)
    if conn is None:
        return None, 'cannot connect to PostgreSQL %s: %s' % (describe_target(conn_params), scrub(error, module))
    return conn, None


def connect(module, purpose, autocommit=False, dbname=None):
    """Open a session to the blog database (or to ``dbname`` on the same server) or fail the module
    saying where it could not connect."""
    conn, message = try_connect(module, purpose, autocommit, dbname)
    if conn is None:
        module.fail_json(msg=message)
    return conn


def dict_cursor(conn):
    return conn.cursor(**pg_cursor_args)


def database_error_class():
    """The driver's base exception class (psycopg 3 or psycopg2, whichever community.postgresql loaded)."""
    from ansible_collections.community.postgresql.plugins.module_utils import postgres
    return postgres.psycopg.Error if postgres.psycopg is not None else Exception


def database_error_message(error):
    """PostgreSQL's own message of a driver exception, on one line when it has one."""
    diag = getattr(error, 'diag', None)
    primary = getattr(diag, 'message_primary', None)
    if primary:
        detail = getattr(diag, 'message_detail', None)
        hint = getattr(diag, 'message_hint', None)
        return ' '.join(part for part in (primary, detail and 'DETAIL: ' + detail, hint and 'HINT: ' + hint) if part)
    return to_native(error).strip()
