# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""PostgreSQL's own reading of migration scripts, made on the controller and shipped to the migrate module.

pglast (PostgreSQL's parser) splits each script into statements and says what each one does to the run: whether
it cannot run in a transaction block, adds an enum value, ends the transaction, copies from STDIN or switches off
one of the run's protections. The migrate module on the database host uses that reading instead of lexing the
SQL itself (plugins/module_utils/_migration_files.py ``statements_of_reading``), so managed hosts need no pglast.

A script the parser rejects gets no reading: the module's fallback lexer reads it and reports what PostgreSQL
would not take (psql meta-commands, COPY data) or leaves the syntax error to PostgreSQL, which names it when the
script runs, as without this plugin.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.blogops.release.plugins.module_utils._migration_files import (
    MAX_SCRIPT_BYTES,
    SCRIPT_NAME,
    check_placeholders,
    normalized_bytes,
    substitute_placeholders,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_lexer import LIMITS, ZERO

try:
    from pglast import ast, enums, parse_sql
    from pglast.parser import ParseError, split
    HAS_PGLAST = True
except ImportError:
    HAS_PGLAST = False

FIRST_WORD = re.compile(r'[A-Za-z_]+')
# A statement that matters to the run holds one of these words (keywords cannot be quoted or escaped; the setting
# names are matched in any case). Splitting alone is some forty times faster than building the whole syntax tree,
# so only a script that holds one of them is read to the tree.
MAY_MATTER = re.compile(r'\b(?:CONCURRENTLY|VACUUM|SYSTEM|DATABASE|TABLESPACE|SUBSCRIPTION|CLUSTER|VALUE|BEGIN|START|'
                        r'COMMIT|END|ROLLBACK|ABORT|PREPARE|COPY|RESET|DISCARD|ROLE|AUTHORIZATION)\b|_TIMEOUT|_INTERVAL',
                        re.I)


def _outside_transaction(node):
    """Why PostgreSQL refuses ``node`` inside a transaction block, or None."""
    if isinstance(node, ast.IndexStmt) and node.concurrent:
        return 'CREATE INDEX CONCURRENTLY'
    if isinstance(node, ast.DropStmt) and node.concurrent:
        return 'DROP INDEX CONCURRENTLY'
    if isinstance(node, ast.ReindexStmt):
        if any(option.defname == 'concurrently' for option in node.params or ()):
            return 'REINDEX CONCURRENTLY'
        if node.kind in (enums.ReindexObjectType.REINDEX_OBJECT_DATABASE, enums.ReindexObjectType.REINDEX_OBJECT_SYSTEM):
            return 'REINDEX DATABASE or SYSTEM'
    if isinstance(node, ast.VacuumStmt) and node.is_vacuumcmd:
        return 'VACUUM'
    if isinstance(node, ast.AlterSystemStmt):
        return 'ALTER SYSTEM'
    if isinstance(node, (ast.CreatedbStmt, ast.DropdbStmt)):
        return 'CREATE or DROP DATABASE'
    if isinstance(node, ast.AlterDatabaseStmt) and any(o.defname == 'tablespace' for o in node.options or ()):
        return 'ALTER DATABASE ... SET TABLESPACE'
    if isinstance(node, (ast.CreateTableSpaceStmt, ast.DropTableSpaceStmt)):
        return 'CREATE or DROP TABLESPACE'
    if isinstance(node, (ast.CreateSubscriptionStmt, ast.DropSubscriptionStmt)):
        return 'CREATE or DROP SUBSCRIPTION'
    if isinstance(node, ast.AlterSubscriptionStmt) and node.kind == enums.AlterSubscriptionType.ALTER_SUBSCRIPTION_REFRESH:
        return 'ALTER SUBSCRIPTION ... REFRESH PUBLICATION'
    if isinstance(node, ast.AlterTableStmt) and any(
            cmd.subtype == enums.AlterTableType.AT_DetachPartition and getattr(cmd.def_, 'concurrent', False)
            for cmd in node.cmds or ()):
        return 'DETACH PARTITION CONCURRENTLY'
    if isinstance(node, ast.ClusterStmt) and node.relation is None:
        return 'CLUSTER of the whole database'
    return None


def _ends_transaction(node):
    kinds = enums.TransactionStmtKind
    return isinstance(node, ast.TransactionStmt) and node.kind not in (
        kinds.TRANS_STMT_SAVEPOINT, kinds.TRANS_STMT_RELEASE, kinds.TRANS_STMT_ROLLBACK_TO)


def _value_text(args):
    value = args[0].val if args and isinstance(args[0], ast.A_Const) else None
    for attr in ('ival', 'fval', 'sval'):
        if value is not None and hasattr(value, attr):
            return str(getattr(value, attr))
    return None


def _session_change(node):
    """(what, consequence) of a statement that switches off one of the run's protections, as the module words it."""
    if isinstance(node, ast.DiscardStmt):
        return ('DISCARD ALL', None) if node.target == enums.DiscardMode.DISCARD_ALL else None
    if not isinstance(node, ast.VariableSetStmt):
        return None
    kind = enums.VariableSetKind
    verb = 'RESET' if node.kind in (kind.VAR_RESET, kind.VAR_RESET_ALL) else 'SET'
    if node.kind == kind.VAR_RESET_ALL:
        return 'RESET ALL', 'run without the run\'s lock_timeout and statement_timeout'
    name = (node.name or '').lower()
    if name == 'role':
        return '%s ROLE' % verb, 'run as another role'
    if name == 'session_authorization':
        return '%s SESSION AUTHORIZATION' % verb, 'run as another role'
    if name not in LIMITS:
        return None
    if node.kind == kind.VAR_RESET:
        return 'RESET %s' % name, LIMITS[name]
    if node.kind == kind.VAR_SET_DEFAULT:
        return 'SET %s to DEFAULT' % name, LIMITS[name]
    value = _value_text(node.args) if node.kind == kind.VAR_SET_VALUE else None
    if value is not None and value.strip() and ZERO.match(value.strip()):
        return 'SET %s to 0' % name, LIMITS[name]
    return None


def read_text(text):
    """The reading of one script's text (after placeholders), or None when PostgreSQL's parser rejects it."""
    try:
        if MAY_MATTER.search(text):
            # Locations are in characters and start at the statement's first token, after its comments.
            found = [(item.stmt_location, item.stmt_location + item.stmt_len if item.stmt_len else len(text.rstrip()),
                      item.stmt) for item in parse_sql(text)]
        else:
            found = [(part.start, part.stop, None) for part in split(text, with_parser=True, only_slices=True)]
    except ParseError:
        return None
    statements = []
    for offset, end, node in found:
        word = FIRST_WORD.match(text, offset)
        entry = dict(offset=offset, length=end - offset, line=text.count('\n', 0, offset) + 1,
                     head=word.group().upper() if word else '')
        if node is None:
            statements.append(entry)
            continue
        outside = _outside_transaction(node)
        if outside:
            entry['outside_transaction'] = outside
        if isinstance(node, ast.AlterEnumStmt) and node.newVal is not None and node.oldVal is None:
            entry['add_enum_value'] = True
        if _ends_transaction(node):
            entry['ends_transaction'] = True
        if isinstance(node, ast.CopyStmt) and node.is_from and node.filename is None and not node.is_program:
            entry['copy_from_stdin'] = True
        change = _session_change(node)
        if change:
            entry['session_change'] = list(change)
        statements.append(entry)
    return dict(sha256=hashlib.sha256(text.encode('utf-8')).hexdigest(), statements=statements)


def read_directory(path, placeholders=None):
    """{file name: reading} of the scripts of directory ``path`` that PostgreSQL's parser reads.

    Empty without pglast. A script that cannot be read here (bad name, too big, not UTF-8, an unknown placeholder)
    gets no reading: the module reads the same file and names its problem."""
    if not HAS_PGLAST:
        return {}
    try:
        values = check_placeholders(placeholders)
    except ValueError:
        return {}
    readings = {}
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        if not SCRIPT_NAME.match(name) or not os.path.isfile(full) or os.path.getsize(full) > MAX_SCRIPT_BYTES:
            continue
        try:
            with open(full, 'rb') as f:
                text = substitute_placeholders(normalized_bytes(f.read()).decode('utf-8'), values, name)
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        reading = read_text(text)
        if reading is not None:
            readings[name] = reading
    return readings
