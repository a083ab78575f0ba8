# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fallback reading of a migration script: a small SQL lexer, for where PostgreSQL's parser has not read it.

The migrate action plugin reads every script with PostgreSQL's own parser (pglast, on the controller) and ships
its reading (plugins/plugin_utils/migration_reading.py): the statements and what each one does to the run. This
lexer reads a script only where that reading is missing: a script the parser rejects (a psql meta-command,
``COPY ... FROM STDIN`` with its data, a syntax error, which PostgreSQL then names when it runs), ``path`` on a
host other than the controller, or the module run without its action plugin. It splits a script as psql would
(quotes, dollar quotes, nested comments, ``BEGIN ATOMIC`` bodies) and classifies statements by their leading words.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Statements that PostgreSQL refuses inside a transaction block, by their leading words.
NON_TRANSACTIONAL = tuple((re.compile(pattern), what) for pattern, what in (
    (r'^CREATE (UNIQUE )?INDEX CONCURRENTLY\b', 'CREATE INDEX CONCURRENTLY'),
    (r'^DROP INDEX CONCURRENTLY\b', 'DROP INDEX CONCURRENTLY'),
    (r'^REINDEX\b.*\bCONCURRENTLY\b', 'REINDEX CONCURRENTLY'),
    (r'^REINDEX\b.*\b(DATABASE|SYSTEM)\b', 'REINDEX DATABASE or SYSTEM'),
    (r'^VACUUM\b', 'VACUUM'),
    (r'^ALTER SYSTEM\b', 'ALTER SYSTEM'),
    (r'^(CREATE|DROP) DATABASE\b', 'CREATE or DROP DATABASE'),
    (r'^ALTER DATABASE\b.*\bSET TABLESPACE\b', 'ALTER DATABASE ... SET TABLESPACE'),
    (r'^(CREATE|DROP) TABLESPACE\b', 'CREATE or DROP TABLESPACE'),
    (r'^(CREATE|DROP) SUBSCRIPTION\b', 'CREATE or DROP SUBSCRIPTION'),
    (r'^ALTER SUBSCRIPTION\b.*\bREFRESH PUBLICATION\b', 'ALTER SUBSCRIPTION ... REFRESH PUBLICATION'),
    (r'^ALTER TABLE\b.*\bDETACH PARTITION\b.*\bCONCURRENTLY\b', 'DETACH PARTITION CONCURRENTLY'),
    (r'^CLUSTER$', 'CLUSTER of the whole database'),
))
# Refused inside a transaction block only before PostgreSQL 12.
ADD_ENUM_VALUE = re.compile(r'^ALTER TYPE\b.*\bADD VALUE\b')
ADD_ENUM_VALUE_IN_TRANSACTION_SINCE = 120000
# Statements that would end or replace the transaction the module runs the scripts in.
TRANSACTION_CONTROL = re.compile(r'^(BEGIN|START TRANSACTION|COMMIT|END|ROLLBACK|ABORT|PREPARE TRANSACTION)\b')
ROLLBACK_TO_SAVEPOINT = re.compile(r'^ROLLBACK (WORK |TRANSACTION )?TO\b')
COPY_FROM_STDIN = re.compile(r'^COPY\b.*\bFROM STDIN\b')
# Cheap test before lexing a whole script: words any of the statements above must contain.
WORTH_LEXING = re.compile(r'CONCURRENTLY|VACUUM|SYSTEM|DATABASE|TABLESPACE|SUBSCRIPTION|CLUSTER|ADD\s+VALUE|BEGIN|'
                          r'START|COMMIT|END|ROLLBACK|ABORT|PREPARE|COPY|^\s*\\|'
                          r'RESET|DISCARD|_TIMEOUT|_INTERVAL|ROLE|AUTHORIZATION', re.I | re.M)
HEAD_WORDS = 32

# Settings the runner sets for every script, and what a script that turns them off (0, DEFAULT, RESET) would do.
# The runner sets them again after every script; inside the script such a statement needs a marked reason.
LIMITS = {
    'lock_timeout': 'wait for locks without limit',
    'statement_timeout': 'run without a time limit',
    'client_connection_check_interval': 'go on running after the run is killed',
}
ZERO = re.compile(r'^0*(?:\.0*)?[ \t]*(?:us|ms|s|min|h|d)?$', re.I)


class Statement:
    """One SQL statement of a script: its text and where it starts (0-based offset, 1-based line), its first words
    (``head``), and what it does to the run, whichever reading found it:

    ``outside_transaction``: why it cannot run in a transaction block (such as ``CREATE INDEX CONCURRENTLY``), or
    None; ``add_enum_value``: ``ALTER TYPE ... ADD VALUE``; ``ends_transaction``: ``BEGIN``, ``COMMIT`` and the
    like (not ``ROLLBACK TO``); ``copy_from_stdin``; ``meta_command``: a psql meta-command; ``session_change``:
    (what, consequence) of a statement that switches off a protection of the run (see ``session_setting_change``)."""

    __slots__ = ('text', 'offset', 'line', 'head', 'outside_transaction', 'add_enum_value', 'ends_transaction',
                 'copy_from_stdin', 'meta_command', 'session_change')

    def __init__(self, text, offset, line, head, outside_transaction=None, add_enum_value=False,
                 ends_transaction=False, copy_from_stdin=False, meta_command=False, session_change=None):
        self.text = text
        self.offset = offset
        self.line = line
        self.head = head
        self.outside_transaction = outside_transaction
        self.add_enum_value = add_enum_value
        self.ends_transaction = ends_transaction
        self.copy_from_stdin = copy_from_stdin
        self.meta_command = meta_command
        self.session_change = session_change

    def __repr__(self):
        return 'Statement(line %d: %r)' % (self.line, self.text[:40])


def line_of(text, offset):
    """1-based line of the 0-based character ``offset`` in ``text``."""
    return text.count('\n', 0, max(offset, 0)) + 1


# --- statements --------------------------------------------------------------------------------

_TOKEN = re.compile(r'''
    (?P<space>\s+)
  | (?P<line_comment>--[^\n]*)
  | (?P<block_comment>/\*)
  | (?P<estring>[eE]')
  | (?P<string>')
  | (?P<quoted>")
  | (?P<dollar>\$(?:[^\W\d]\w*)?\$)
  | (?P<word>[^\W\d][\w$]*)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<semicolon>;)
  | (?P<other>\d[\w.]*|[^\s\w'"$;()/\-]+|.)
''', re.X | re.S)
_STRING_END = re.compile(r"(?:[^']|'')*'", re.S)
_ESTRING_END = re.compile(r"(?:[^'\\]|\\.|'')*'", re.S)
_QUOTED_END = re.compile(r'(?:[^"]|"")*"', re.S)
_COMMENT_MARK = re.compile(r'/\*|\*/')


def _skip_block_comment(text, pos):
    """Position after the block comment whose ``/*`` ends at ``pos``; they nest in PostgreSQL."""
    depth = 1
    while depth:
        match = _COMMENT_MARK.search(text, pos)
        if match is None:
            return len(text)
        depth += 1 if match.group() == '/*' else -1
        pos = match.end()
    return pos


def _skip(pattern, text, pos):
    match = pattern.match(text, pos)
    return match.end() if match else len(text)


def split_statements(text):
    """The statements of ``text``, as psql would send them one by one.

    Semicolons inside quotes, quoted identifiers, dollar quotes, comments and parentheses do not
    end a statement, nor do those of a ``BEGIN ATOMIC ... END`` body of CREATE FUNCTION or
    PROCEDURE (psql's own rule). Comments before a statement are not part of it.
    """
    statements = []
    start = None            # offset of the current statement's first token
    head = []               # its first words, upper case
    depth = 0               # parentheses
    begin_depth = 0         # BEGIN ... END of a function body
    routine = None          # whether the statement is CREATE [OR REPLACE] FUNCTION/PROCEDURE
    pos = 0
    length = len(text)
    while pos < length:
        match = _TOKEN.match(text, pos)
        kind = match.lastgroup
        end = match.end()
        if kind == 'space' or kind == 'line_comment':
            pos = end
            continue
        if kind == 'block_comment':
            pos = _skip_block_comment(text, end)
            continue
        if start is None:
            if kind == 'semicolon':
                pos = end
                continue
            if text.startswith('\\', pos):
                # A psql meta-command ends with its line.
                end = text.find('\n', pos)
                end = length if end < 0 else end
                statements.append(Statement(text[pos:end], pos, line_of(text, pos), ''))
                pos = end
                continue
            start, head, depth, begin_depth, routine = pos, [], 0, 0, None
        if kind == 'string':
            end = _skip(_STRING_END, text, end)
        elif kind == 'estring':
            end = _skip(_ESTRING_END, text, end)
        elif kind == 'quoted':
            end = _skip(_QUOTED_END, text, end)
        elif kind == 'dollar':
            closing = text.find(match.group(), end)
            end = length if closing < 0 else closing + len(match.group())
        elif kind == 'open':
            depth += 1
        elif kind == 'close':
            depth = max(depth - 1, 0)
        elif kind == 'word':
            word = match.group().upper()
            if len(head) < HEAD_WORDS:
                head.append(word)
                if routine is None and (len(head) == 2 and head[0] == 'CREATE' and head[1] != 'OR'
                                        or len(head) == 4 and head[:3] == ['CREATE', 'OR', 'REPLACE']):
                    routine = head[-1] in ('FUNCTION', 'PROCEDURE')
            if routine and depth == 0:
                if word == 'BEGIN' or (word == 'CASE' and begin_depth):
                    begin_depth += 1
                elif word == 'END' and begin_depth:
                    begin_depth -= 1
        elif kind == 'semicolon' and depth == 0 and begin_depth == 0:
            statements.append(Statement(text[start:end], start, line_of(text, start), ' '.join(head)))
            start = None
        pos = end
    if start is not None and text[start:].strip():
        statements.append(Statement(text[start:].rstrip(), start, line_of(text, start), ' '.join(head)))
    return statements


def has_statement(text):
    """True when ``text`` holds anything but whitespace and comments."""
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match.lastgroup == 'block_comment':
            pos = _skip_block_comment(text, match.end())
        elif match.lastgroup in ('space', 'line_comment'):
            pos = match.end()
        else:
            return True
    return False


def _leading_tokens(text, limit=6):
    """The first significant tokens of a statement as (kind, value): words upper case, quoted identifiers
    (kind 'name') and string constants (kind 'value') unquoted, comments skipped."""
    tokens = []
    pos = 0
    while pos < len(text) and len(tokens) < limit:
        match = _TOKEN.match(text, pos)
        kind, start, end = match.lastgroup, match.end(), match.end()
        if kind == 'block_comment':
            pos = _skip_block_comment(text, end)
            continue
        if kind == 'string' or kind == 'estring':
            end = _skip(_STRING_END if kind == 'string' else _ESTRING_END, text, end)
            tokens.append(('value', text[start:end - 1].replace("''", "'")))
        elif kind == 'quoted':
            end = _skip(_QUOTED_END, text, end)
            tokens.append(('name', text[start:end - 1].replace('""', '"')))
        elif kind == 'word':
            tokens.append(('word', match.group().upper()))
        elif kind not in ('space', 'line_comment'):
            tokens.append(('other', match.group()))
        pos = end
    return tokens


def _name(tokens, index):
    """The token at ``index`` as a lower-case name (a word or a quoted identifier), or None."""
    if index < len(tokens) and tokens[index][0] in ('word', 'name'):
        return tokens[index][1].lower()
    return None


def session_setting_change(statement):
    """What ``statement`` does to the run's protections, as (what, consequence), or None when nothing.

    Looks at SET, RESET and DISCARD only: ALTER ROLE ... SET and a function's SET clause do not change this
    session, and set_config() is not looked for (the runner sets everything again after each script anyway)."""
    head = statement.head.split(' ', 1)[0]
    if head not in ('SET', 'RESET', 'DISCARD'):
        return None
    tokens = _leading_tokens(statement.text)
    first = _name(tokens, 1)
    if head == 'DISCARD':
        return ('DISCARD ALL', None) if first == 'all' else None
    if head == 'RESET':
        if first == 'all':
            return 'RESET ALL', 'run without the run\'s lock_timeout and statement_timeout'
        if first == 'role' or first == 'session_authorization' or (first, _name(tokens, 2)) == ('session', 'authorization'):
            return ('RESET ROLE' if first == 'role' else 'RESET SESSION AUTHORIZATION'), 'run as another role'
        if first in LIMITS:
            return 'RESET %s' % first, LIMITS[first]
        return None
    index = 1
    if first in ('session', 'local') and (first, _name(tokens, 2)) != ('session', 'authorization'):
        index = 2
    name = _name(tokens, index)
    if name == 'session_authorization' or (name, _name(tokens, index + 1)) == ('session', 'authorization'):
        return 'SET SESSION AUTHORIZATION', 'run as another role'
    if name == 'role':
        return 'SET ROLE', 'run as another role'
    if name in LIMITS:
        index += 1
        if index < len(tokens) and (tokens[index] == ('word', 'TO') or tokens[index] == ('other', '=')):
            index += 1
        value = tokens[index] if index < len(tokens) else ('other', '')
        if value == ('word', 'DEFAULT'):
            return 'SET %s to DEFAULT' % name, LIMITS[name]
        if value[0] in ('value', 'other') and value[1].strip() and ZERO.match(value[1].strip()):
            return 'SET %s to 0' % name, LIMITS[name]
    return None


def classify(statement):
    """Set what ``statement`` does to the run from its leading words; returns it."""
    head = statement.head
    statement.meta_command = statement.text.startswith('\\')
    for pattern, what in NON_TRANSACTIONAL:
        if pattern.match(head):
            statement.outside_transaction = what
            break
    statement.add_enum_value = bool(ADD_ENUM_VALUE.match(head))
    statement.ends_transaction = bool(TRANSACTION_CONTROL.match(head)) and not ROLLBACK_TO_SAVEPOINT.match(head)
    statement.copy_from_stdin = bool(COPY_FROM_STDIN.match(head))
    statement.session_change = session_setting_change(statement)
    return statement


def read_statements(text):
    """The classified statements of ``text``, or None when none of them can matter to the run (a cheap test first)."""
    if not WORTH_LEXING.search(text):
        return None
    return [classify(statement) for statement in split_statements(text)]
