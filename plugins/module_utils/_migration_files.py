# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Migration scripts on disk: names, checksums, placeholders, statements and transactionality.

A directory holds ``V<version>__<description>.sql`` (a migration) and optionally
``U<version>__<description>.sql`` (the undo of that version). Other files, dot files and
subdirectories are ignored; a ``.sql`` file with another name is an error.

The statements of a script come from PostgreSQL's parser, read on the controller by the migrate action plugin
and shipped as a *reading* (see ``statements_of_reading``); where there is none for a script, the fallback lexer
(migration_lexer.py) reads it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import os
import re

from ansible_collections.blogops.release.plugins.module_utils._migration_lexer import (  # noqa: F401, line_of for the runner
    ADD_ENUM_VALUE_IN_TRANSACTION_SINCE,
    Statement,
    has_statement,
    line_of,
    read_statements,
    split_statements,
)
from ansible_collections.blogops.release.plugins.module_utils._migration_version import (
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

# A script is read whole (checksum, placeholders, statements): larger ones are refused before reading, so that
# a stray data dump in the migrations directory cannot exhaust the memory of the host. Load bulk data otherwise.
MAX_SCRIPT_BYTES = 16 * 1024 * 1024
# What a shipped reading may say of a statement, besides where it is (offset, length, line) and its first word.
READING_FLAGS = ('outside_transaction', 'add_enum_value', 'ends_transaction', 'copy_from_stdin', 'session_change')


class MigrationFileError(ValueError):
    """Problems with the scripts of a directory; ``problems`` lists each one, naming its file."""

    def __init__(self, problems):
        self.problems = list(problems)
        super(MigrationFileError, self).__init__('; '.join(self.problems))


class MigrationScript:
    """A V or U script: name parts, its text after placeholders and the checksum of that text."""

    __slots__ = ('kind', 'version', 'key', 'description', 'script', 'path', 'text', 'checksum', 'marker',
                 'autocommit_reason', 'add_enum_value_line', 'allow_session_settings', 'statements', 'read_by')

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
        # The statements, as PostgreSQL's parser (read_by 'pglast') or the fallback lexer ('lexer') found them;
        # None when the lexer found nothing worth splitting the script for (the runner splits it when it must).
        self.statements = None
        self.read_by = None

    def split(self):
        """The statements to send one by one when the script runs alone."""
        return self.statements if self.statements is not None else split_statements(self.text)

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
        if script.autocommit_reason is None and statement.outside_transaction:
            script.autocommit_reason = '%s at line %d' % (statement.outside_transaction, statement.line)
        if script.add_enum_value_line is None and statement.add_enum_value:
            script.add_enum_value_line = statement.line
    in_transaction = script.runs_in_transaction()
    problems = []
    for statement in statements:
        where = '%s line %d' % (script.script, statement.line)
        if statement.meta_command:
            problems.append('%s: psql meta-command %s is not SQL; the module sends the scripts to the server '
                            'itself, not through psql' % (where, statement.text.split()[0]))
        elif statement.copy_from_stdin:
            problems.append('%s: COPY ... FROM STDIN needs psql to send the data; use INSERT statements' % where)
        elif in_transaction and statement.ends_transaction:
            problems.append('%s: %s would end the transaction the module runs the script in; remove it (the module '
                            'commits each run itself) or mark the script -- blogops:transactional=false'
                            % (where, statement.head.split()[0]))
        elif statement.session_change is not None:
            what, consequence = statement.session_change
            if consequence is None:
                problems.append('%s: %s would also release the migration lock of this run; it is never allowed'
                                % (where, what))
            elif script.allow_session_settings is None:
                problems.append('%s: %s would make the rest of this script %s; the module sets the run\'s settings '
                                'again after each script, but inside one such a statement needs a line %s'
                                % (where, what, consequence, ALLOW_SESSION_SETTINGS_FORM))
    return problems


def statements_of_reading(text, reading):
    """The Statements that a shipped reading of ``text`` describes, or None when it is not a reading of this text.

    A reading is what the migrate action plugin found with PostgreSQL's parser on the controller:
    ``{'sha256': of the text after placeholders, 'statements': [{'offset', 'length', 'line', 'head', and any of
    READING_FLAGS}]}`` (offsets in characters; ``session_change`` as [what, consequence])."""
    if not isinstance(reading, dict) or reading.get('sha256') != hashlib.sha256(text.encode('utf-8')).hexdigest():
        return None
    statements = []
    try:
        for item in reading['statements']:
            offset, length = int(item['offset']), int(item['length'])
            flags = dict((k, item[k]) for k in READING_FLAGS if item.get(k))
            if 'session_change' in flags:
                flags['session_change'] = tuple(flags['session_change'])
            statements.append(Statement(text[offset:offset + length], offset, int(item['line']), item.get('head') or '',
                                        **flags))
    except (KeyError, TypeError, ValueError):
        return None
    return statements


def read_script(path, name, placeholders, reading=None):
    """The MigrationScript of file ``path`` named ``name``; raises ValueError naming the file.

    ``reading``: what PostgreSQL's parser found in it on the controller (see ``statements_of_reading``); without
    one, or when it is not a reading of this text, the fallback lexer reads the script."""
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
    statements = statements_of_reading(substituted, reading) if reading is not None else None
    if statements is not None:
        script.read_by = 'pglast'
        if not statements:
            raise ValueError('%s: empty script, it holds no SQL statement' % name)
    else:
        script.read_by = 'lexer'
        if not has_statement(substituted):
            raise ValueError('%s: empty script, it holds no SQL statement' % name)
        statements = read_statements(substituted)
    script.statements = statements
    if statements:
        problems = _classify(script, statements)
        if problems:
            raise MigrationFileError(problems)
    return script


def scan_migrations(path, placeholders=None, readings=None):
    """Read every script of directory ``path``; raises MigrationFileError listing every problem.

    ``readings``: {file name: reading} that PostgreSQL's parser made of the scripts on the controller."""
    placeholders = placeholders or {}
    readings = readings or {}
    if not os.path.isdir(path):
        raise MigrationFileError(['migrations directory %s does not exist or is not a directory' % path])
    problems = []
    found = {'V': {}, 'U': {}}
    for entry in sorted(os.scandir(path), key=lambda e: e.name):
        if entry.name.startswith('.') or not entry.name.endswith('.sql') or not entry.is_file():
            continue
        try:
            script = read_script(entry.path, entry.name, placeholders, readings.get(entry.name))
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
