# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Migration scripts on disk: names, checksums, placeholders, statements and transactionality.

A directory holds ``V<version>__<description>.sql`` (a migration) and optionally
``U<version>__<description>.sql`` (the undo of that version). Other files, dot files and
subdirectories are ignored; a ``.sql`` file with another name is an error.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.blogops.release.plugins.module_utils.migration_version import (
    InvalidMigrationVersion,
    migration_version_key,
)

# ASCII digits only: \d would also take other scripts' digits ('V١__x.sql').
SCRIPT_NAME = re.compile(r'^(?P<kind>[VU])(?P<version>[0-9]+(?:\.[0-9]+)*)__(?P<description>.+)\.sql$')
NAME_FORM = 'V<version>__<description>.sql or U<version>__<description>.sql, version dotted numbers such as 1.2'
BOM = b'\xef\xbb\xbf'
PLACEHOLDER = re.compile(r'\$\{([^}]*)\}')
PLACEHOLDER_NAME = re.compile(r'^[A-Za-z_][A-Za-z0-9_.]*$')
MARKER = re.compile(r'^[ \t]*--[ \t]*blogops:transactional[ \t]*=[ \t]*(\S*)[ \t]*$', re.M | re.I)
ALLOW_SESSION_SETTINGS = re.compile(r'^[ \t]*--[ \t]*blogops:allow-session-settings\b(.*)$', re.M | re.I)
ALLOW_SESSION_SETTINGS_FORM = '-- blogops:allow-session-settings: <reason>'

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
# A script is read whole (checksum, placeholders, statements): larger ones are refused before reading, so that
# a stray data dump in the migrations directory cannot exhaust the memory of the host. Load bulk data otherwise.
MAX_SCRIPT_BYTES = 16 * 1024 * 1024

# Settings the runner sets for every script, and what a script that turns them off (0, DEFAULT, RESET) would do.
# The runner sets them again after every script; inside the script such a statement needs a marked reason.
LIMITS = {
    'lock_timeout': 'wait for locks without limit',
    'statement_timeout': 'run without a time limit',
    'client_connection_check_interval': 'go on running after the run is killed',
}
ZERO = re.compile(r'^0*(?:\.0*)?[ \t]*(?:us|ms|s|min|h|d)?$', re.I)


class MigrationFileError(ValueError):
    """Problems with the scripts of a directory; ``problems`` lists each one, naming its file."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(MigrationFileError, self).__init__('; '.join(self.problems))


class Statement:
    """One SQL statement of a script: its text and where it starts (0-based offset, 1-based line)."""

    __slots__ = ('text', 'offset', 'line', 'head')

    def __init__(self, text, offset, line, head):
        self.text = text
        self.offset = offset
        self.line = line
        self.head = head

    def __repr__(self):
        return 'Statement(line %d: %r)' % (self.line, self.text[:40])


class MigrationScript:
    """A V or U script: name parts, its text after placeholders and the checksum of that text."""

    __slots__ = ('kind', 'version', 'key', 'description', 'script', 'path', 'text', 'checksum', 'marker',
                 'autocommit_reason', 'add_enum_value_line', 'allow_session_settings')

    def __init__(self, kind, version, description, script, path, text, checksum):
        self.kind = kind
        self.version = version
        self.key = migration_version_key(version)
        self.description = description
        self.script = script
        self.path = path
        self.text = text
        self.checksum = checksum
        self.marker = None
        self.autocommit_reason = None
        self.add_enum_value_line = None
        # The reason of a -- blogops:allow-session-settings: line, or None.
        self.allow_session_settings = None

    def runs_in_transaction(self, server_version=None):
        """False when the script must run alone outside a transaction on this server (version as 150004)."""
        return self.outside_transaction_reason(server_version) is None

    def outside_transaction_reason(self, server_version=None):
        """Why the script runs alone in autocommit, or None."""
        if self.marker is not None:
            return None if self.marker else 'marked -- blogops:transactional=false'
        if self.autocommit_reason:
            return self.autocommit_reason
        if (self.add_enum_value_line and server_version is not None
                and server_version < ADD_ENUM_VALUE_IN_TRANSACTION_SINCE):
            return 'ALTER TYPE ... ADD VALUE at line %d (PostgreSQL before 12)' % self.add_enum_value_line
        return None

    def describe(self):
        return dict(version=self.version, script=self.script, description=self.description, checksum=self.checksum)

    def __repr__(self):
        return 'MigrationScript(%r)' % self.script


class MigrationSet:
    """The scripts of one directory: migrations and undos keyed by version key."""

    def __init__(self, path, migrations, undos):
        self.path = path
        self.migrations = migrations
        self.undos = undos

    def ordered_migrations(self):
        return [self.migrations[key] for key in sorted(self.migrations)]


# --- text --------------------------------------------------------------------------------------

def normalized_bytes(data):
    """File content as the checksum sees it: without a UTF-8 BOM, CRLF folded to LF."""
    if data.startswith(BOM):
        data = data[len(BOM):]
    return data.replace(b'\r\n', b'\n')


def substitute_placeholders(text, placeholders, where):
    """Replace ``${name}`` by its value; an unknown name raises ValueError naming ``where``."""
    if '${' not in text:
        return text

    def value(match):
        name = match.group(1)
        if name not in placeholders:
            raise ValueError('%s uses placeholder ${%s}, which the placeholders option does not define (known: %s)'
                             % (where, name, ', '.join(sorted(placeholders)) or 'none'))
        return placeholders[name]
    return PLACEHOLDER.sub(value, text)


def check_placeholders(placeholders):
    """Placeholder names and values as text; raises ValueError naming a bad one."""
    result = {}
    for name, value in (placeholders or {}).items():
        if not isinstance(name, str) or not PLACEHOLDER_NAME.fullmatch(name):
            raise ValueError('invalid placeholder name %r: expected letters, digits, underscores and dots, '
                             'not starting with a digit' % (name,))
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError('placeholder %s must have a text or number value, got %r' % (name, value))
        result[name] = str(value)
    return result


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


def session_change(statement):
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


def _allowed_session_settings(name, text):
    """The reason of the script's -- blogops:allow-session-settings: line, or None; raises ValueError without one."""
    found = ALLOW_SESSION_SETTINGS.search(text)
    if found is None:
        return None
    rest = found.group(1).strip()
    reason = rest[1:].strip() if rest.startswith(':') else ''
    if not reason:
        raise ValueError('%s line %d: -- blogops:allow-session-settings: needs a reason after the colon, such as '
                         '-- blogops:allow-session-settings: objects owned by blog_owner'
                         % (name, line_of(text, found.start())))
    return reason


# --- reading -----------------------------------------------------------------------------------

def _classify(script, statements):
    """Set the script's transactionality from its statements; returns problems naming the script."""
    for statement in statements:
        for pattern, what in NON_TRANSACTIONAL:
            if script.autocommit_reason is None and pattern.match(statement.head):
                script.autocommit_reason = '%s at line %d' % (what, statement.line)
        if script.add_enum_value_line is None and ADD_ENUM_VALUE.match(statement.head):
            script.add_enum_value_line = statement.line
    in_transaction = script.runs_in_transaction()
    problems = []
    for statement in statements:
        head = statement.head
        where = '%s line %d' % (script.script, statement.line)
        if statement.text.startswith('\\'):
            problems.append('%s: psql meta-command %s is not SQL; the module sends the scripts to the server '
                            'itself, not through psql' % (where, statement.text.split()[0]))
        elif COPY_FROM_STDIN.match(head):
            problems.append('%s: COPY ... FROM STDIN needs psql to send the data; use INSERT statements' % where)
        elif in_transaction and TRANSACTION_CONTROL.match(head) and not ROLLBACK_TO_SAVEPOINT.match(head):
            problems.append('%s: %s would end the transaction the module runs the script in; remove it (the module '
                            'commits each run itself) or mark the script -- blogops:transactional=false'
                            % (where, head.split()[0]))
        else:
            change = session_change(statement)
            if change is None:
                continue
            what, consequence = change
            if consequence is None:
                problems.append('%s: %s would also release the migration lock of this run; it is never allowed'
                                % (where, what))
            elif script.allow_session_settings is None:
                problems.append('%s: %s would make the rest of this script %s; the module sets the run\'s settings '
                                'again after each script, but inside one such a statement needs a line %s'
                                % (where, what, consequence, ALLOW_SESSION_SETTINGS_FORM))
    return problems


def read_script(path, name, placeholders):
    """The MigrationScript of file ``path`` named ``name``; raises ValueError naming the file."""
    match = SCRIPT_NAME.match(name)
    if not match:
        raise ValueError('%s: bad migration file name, expected %s' % (name, NAME_FORM))
    migration_version_key(match.group('version'), name)
    size = os.stat(path).st_size
    if size > MAX_SCRIPT_BYTES:
        raise ValueError('%s: %d bytes, more than the %d MiB a migration script may have; split it, or load bulk data '
                         'another way' % (name, size, MAX_SCRIPT_BYTES // (1024 * 1024)))
    with open(path, 'rb') as f:
        data = normalized_bytes(f.read(MAX_SCRIPT_BYTES + 1))
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError as e:
        raise ValueError('%s: not UTF-8 text (byte %d)' % (name, e.start))
    substituted = substitute_placeholders(text, placeholders, name)
    checksum = hashlib.sha256(data if substituted is text else substituted.encode('utf-8')).hexdigest()
    description = match.group('description').replace('_', ' ')
    script = MigrationScript(match.group('kind'), match.group('version'), description, name, path, substituted, checksum)
    marker = MARKER.findall(substituted)
    if marker:
        if marker[-1].lower() not in ('true', 'false'):
            raise ValueError('%s: -- blogops:transactional= must be true or false, got %r' % (name, marker[-1]))
        script.marker = marker[-1].lower() == 'true'
    script.allow_session_settings = _allowed_session_settings(name, substituted)
    if not has_statement(substituted):
        raise ValueError('%s: empty script, it holds no SQL statement' % name)
    if WORTH_LEXING.search(substituted):
        problems = _classify(script, split_statements(substituted))
        if problems:
            raise MigrationFileError(problems)
    return script


def scan_migrations(path, placeholders=None):
    """Read every script of directory ``path``; raises MigrationFileError listing every problem."""
    placeholders = placeholders or {}
    if not os.path.isdir(path):
        raise MigrationFileError(['migrations directory %s does not exist or is not a directory' % path])
    problems = []
    found = {'V': {}, 'U': {}}
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.name.startswith('.') or not entry.name.endswith('.sql') or not entry.is_file():
            continue
        try:
            script = read_script(entry.path, entry.name, placeholders)
        except MigrationFileError as e:
            problems.extend(e.problems)
            continue
        except (ValueError, InvalidMigrationVersion, OSError) as e:
            problems.append(str(e))
            continue
        same = found[script.kind].get(script.key)
        if same is not None:
            problems.append('%s and %s: duplicate version %s (versions compare numerically, so %s equals %s)'
                            % (same.script, script.script, script.version, same.version, script.version))
            continue
        found[script.kind][script.key] = script
    for key in sorted(found['U']):
        if key not in found['V']:
            undo = found['U'][key]
            problems.append('%s: undo script without its migration V%s__*.sql' % (undo.script, undo.version))
    if problems:
        raise MigrationFileError(problems)
    return MigrationSet(path, found['V'], found['U'])
