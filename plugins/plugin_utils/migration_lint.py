# -*- coding: utf-8 -*-
# Copyright: (c) 2026, blogops.release contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Migration safety checks: PostgreSQL's own parser (pglast) reads each script, the target's catalog
says what each statement touches, and rules say which statements lock or break what is live.

Controller side only: managed hosts need nothing new. The catalog comes as data (see ``lint_scripts``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

try:
    from pglast import ast, enums, parse_sql
    from pglast.parser import ParseError
    HAS_PGLAST = True
except ImportError:
    HAS_PGLAST = False

PGLAST_MISSING = ('migration_lint needs the Python package pglast on the controller (pip install "pglast>=8,<9", '
                  'listed in requirements.txt)')

ALLOW = re.compile(r'^[ \t]*--[ \t]*blogops:allow[ \t]+([A-Za-z0-9_-]*)[ \t]*(:?)(.*)$', re.M)
ALLOW_SESSION_SETTINGS = re.compile(r'^[ \t]*--[ \t]*blogops:allow-session-settings[ \t]*:[ \t]*(\S.*)$', re.M | re.I)
SIMPLE_NAME = re.compile(r'^[a-z_][a-z0-9_$]*$')

ERROR, WARNING = 'error', 'warning'
DEFAULT_BIG_TABLE_ROWS = 100000
DEFAULT_BIG_TABLE_BYTES = 1024 * 1024 * 1024

# id: (what it is, the safe way, severity: 'scaled' (error on a big table, warning on a small one), error or
# warning, fires on a table created earlier in the same run)
RULES = {
    'index-not-concurrent': (
        'builds an index without CONCURRENTLY, blocking writes to the table for the whole build',
        'CREATE INDEX CONCURRENTLY, alone in a script of its own (it runs outside a transaction)', 'scaled', False),
    'volatile-default': (
        'adds a column with a volatile default, which rewrites the table under an ACCESS EXCLUSIVE lock',
        'add the column without a default (or with a constant one), SET DEFAULT, then backfill in batches',
        'scaled', False),
    'column-type-rewrite': (
        'changes a column type in a way that rewrites the table and its indexes under an ACCESS EXCLUSIVE lock',
        'add a new column, backfill it in batches, switch the application, then drop the old one', 'scaled', False),
    'set-not-null': (
        'sets NOT NULL, which scans the whole table under an ACCESS EXCLUSIVE lock',
        'ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT in a later statement, then '
        'SET NOT NULL (PostgreSQL 12 and later use the validated check and skip the scan)', 'scaled', False),
    'constraint-not-valid': (
        'adds a foreign key or check constraint that is validated at once, scanning the table while it blocks writes',
        'ADD CONSTRAINT ... NOT VALID, then ALTER TABLE ... VALIDATE CONSTRAINT, which takes a weaker lock',
        'scaled', False),
    'unique-constraint': (
        'adds a unique constraint, building its index while blocking writes',
        'CREATE UNIQUE INDEX CONCURRENTLY in a script of its own, then ADD CONSTRAINT ... UNIQUE USING INDEX',
        'scaled', False),
    'primary-key': (
        'adds a primary key, building its index (and checking NOT NULL) while blocking writes',
        'CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... PRIMARY KEY USING INDEX', 'scaled', False),
    'add-serial-column': (
        'adds a serial or identity column, which rewrites the table under an ACCESS EXCLUSIVE lock',
        'add a plain column, create the sequence, SET DEFAULT, backfill in batches', 'scaled', False),
    'add-stored-generated-column': (
        'adds a STORED generated column, which rewrites the table under an ACCESS EXCLUSIVE lock',
        'add a plain column filled by a trigger and a batched backfill, or compute it in a view', 'scaled', False),
    'drop-column': (
        'drops a column that the release still live on the other hosts reads during a rolling deploy',
        'stop using the column in one release, drop it in a later one', ERROR, False),
    'drop-table': (
        'drops a table that the release still live on the other hosts uses during a rolling deploy',
        'stop using the table in one release, drop it in a later one', ERROR, False),
    'rename-column': (
        'renames a column, breaking the release still live on the other hosts during a rolling deploy',
        'add the new column, write both, backfill, switch reads, drop the old one in a later release', ERROR, False),
    'rename-table': (
        'renames a table, breaking the release still live on the other hosts during a rolling deploy',
        'create the new table (or a view under the new name), move the application, drop the old one later',
        ERROR, False),
    'vacuum-full': (
        'runs VACUUM FULL, which rewrites the table under an ACCESS EXCLUSIVE lock',
        'plain VACUUM, or pg_repack outside the deploy', ERROR, False),
    'cluster': (
        'runs CLUSTER, which rewrites the table under an ACCESS EXCLUSIVE lock',
        'pg_repack outside the deploy', ERROR, False),
    'lock-table': (
        'locks a table explicitly, holding the lock until the script\'s transaction ends',
        'let each statement take the lock it needs; keep the script short', 'scaled', False),
    'reindex-not-concurrent': (
        'rebuilds an index without CONCURRENTLY, blocking writes (and reads that use it) for the whole build',
        'REINDEX ... CONCURRENTLY in a script of its own', 'scaled', False),
    'drop-index-not-concurrent': (
        'drops an index without CONCURRENTLY, waiting for an ACCESS EXCLUSIVE lock on its table',
        'DROP INDEX CONCURRENTLY in a script of its own', WARNING, False),
    'session-settings': (
        'switches off one of the run\'s protections (its lock_timeout, statement_timeout or role)',
        'leave the run\'s settings alone, or give a reason on a line -- blogops:allow-session-settings: <reason>',
        ERROR, True),
    'syntax': (
        'is not valid PostgreSQL', 'fix the statement', ERROR, True),
    'allow-without-reason': (
        'opts out of a rule without a reason, or of a rule that does not exist',
        'write -- blogops:allow <rule>: <reason>', ERROR, True),
}

# Functions whose value changes per row: a default built on one makes ADD COLUMN rewrite the table.
VOLATILE_FUNCTIONS = frozenset((
    'random', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'uuidv4', 'uuidv7',
    'clock_timestamp', 'timeofday', 'nextval', 'txid_current', 'pg_current_xact_id', 'random_normal', 'setseed',
))
SERIAL_TYPES = frozenset(('serial', 'serial2', 'serial4', 'serial8', 'smallserial', 'bigserial'))
LIMITS = ('lock_timeout', 'statement_timeout', 'client_connection_check_interval')
TYPE_ALIASES = {
    'character varying': 'varchar', 'character': 'bpchar', 'char': 'bpchar', 'integer': 'int4', 'int': 'int4',
    'bigint': 'int8', 'smallint': 'int2', 'boolean': 'bool', 'real': 'float4', 'double precision': 'float8',
    'timestamp with time zone': 'timestamptz', 'timestamp without time zone': 'timestamp',
    'time with time zone': 'timetz', 'time without time zone': 'time', 'bit varying': 'varbit', 'decimal': 'numeric',
}
TYPE_TEXT = re.compile(r'^(?P<base>[^(\[]+?)\s*(?:\((?P<mods>[0-9, ]*)\))?(?P<array>(?:\[\])*)$')


class LintError(ValueError):
    """The lint could not run (pglast missing, a bad option)."""


def relation_key(schema, name):
    """The name as a catalog key: schema-qualified when written so, quoted where PostgreSQL would need it."""
    parts = [p for p in (schema, name) if p]
    return '.'.join(p if SIMPLE_NAME.match(p) else '"%s"' % p.replace('"', '""') for p in parts)


def _rangevar(rv):
    return relation_key(rv.schemaname, rv.relname)


def _names(items):
    return relation_key(*([None] + [s.sval for s in items])[-2:])


def parse_type_text(text):
    """(base, mods, array) of a type as format_type() writes it, such as character varying(200)."""
    match = TYPE_TEXT.match(text.strip())
    if not match:
        return text.strip(), (), ''
    base = match.group('base').strip()
    base = TYPE_ALIASES.get(base, base)
    mods = tuple(int(m) for m in (match.group('mods') or '').split(',') if m.strip())
    return base, mods, match.group('array') or ''


def _type_of(type_name):
    base = type_name.names[-1].sval
    base = TYPE_ALIASES.get(base, base)
    mods = []
    for mod in type_name.typmods or ():
        value = getattr(mod, 'val', None)
        if isinstance(value, ast.Integer):
            mods.append(value.ival)
        else:
            return base, None, '[]' * len(type_name.arrayBounds or ())
    return base, tuple(mods), '[]' * len(type_name.arrayBounds or ())


def rewrites(old_text, new_type):
    """Whether changing a column of type ``old_text`` (format_type) to ``new_type`` rewrites the table (PG 12+)."""
    old_base, old_mods, old_array = parse_type_text(old_text)
    new_base, new_mods, new_array = new_type
    if new_mods is None or old_array != new_array:
        return True
    if (old_base, old_mods) == (new_base, new_mods):
        return False
    text_like = ('varchar', 'text')
    if old_base in text_like and new_base in text_like:
        # Only a length limit that shrinks (or appears) needs every row checked.
        if new_base == 'text' or not new_mods:
            return False
        return not old_mods or new_mods[0] < old_mods[0]
    if old_base == new_base and old_base in ('numeric', 'varbit', 'bit'):
        if not new_mods:
            return old_base == 'bit'
        if not old_mods or old_base == 'bit':
            return True
        if old_base == 'numeric':
            old_scale = old_mods[1] if len(old_mods) > 1 else 0
            new_scale = new_mods[1] if len(new_mods) > 1 else 0
            return new_scale != old_scale or new_mods[0] < old_mods[0]
        return new_mods[0] < old_mods[0]
    if (old_base, new_base) == ('cidr', 'inet'):
        return False
    return True


class Statement:
    __slots__ = ('node', 'line', 'text')

    def __init__(self, node, line, text):
        self.node = node
        self.line = line
        self.text = text


def _skip_space_and_comments(data, pos):
    while pos < len(data):
        if data[pos].isspace():
            pos += 1
        elif data.startswith('--', pos):
            end = data.find('\n', pos)
            pos = len(data) if end < 0 else end + 1
        elif data.startswith('/*', pos):
            end = data.find('*/', pos + 2)
            pos = len(data) if end < 0 else end + 2
        else:
            break
    return pos


def parse_script(text):
    """The statements of a script with their first line; raises ValueError with the line of a syntax error."""
    try:
        raw = parse_sql(text)
    except ParseError as e:
        location = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else None
        line = text.count('\n', 0, location) + 1 if location is not None else None
        raise ValueError(line, str(e.args[0]) if e.args else str(e)) from e
    statements = []
    for item in raw:
        # pglast gives character offsets; a statement's own text starts after its leading comments.
        start = _skip_space_and_comments(text, item.stmt_location)
        end = item.stmt_location + item.stmt_len if item.stmt_len else len(text)
        statements.append(Statement(item.stmt, text.count('\n', 0, start) + 1, ' '.join(text[start:end].split())))
    return statements


def allowances(text):
    """({rule: reason} of the script's opt-outs, problems as findings) ."""
    allowed = {}
    problems = []
    for match in ALLOW.finditer(text):
        rule, colon, reason = match.group(1), match.group(2), match.group(3).strip()
        line = text.count('\n', 0, match.start()) + 1
        if rule not in RULES or rule in ('syntax', 'allow-without-reason'):
            problems.append((line, 'opts out of unknown rule %r; the rules are: %s'
                             % (rule, ', '.join(r for r in sorted(RULES) if r not in ('syntax', 'allow-without-reason')))))
        elif not colon or not reason:
            problems.append((line, 'opts out of %s without a reason: write -- blogops:allow %s: <reason>' % (rule, rule)))
        else:
            allowed[rule] = reason
    session = ALLOW_SESSION_SETTINGS.search(text)
    if session and 'session-settings' not in allowed:
        allowed['session-settings'] = session.group(1).strip()
    return allowed, problems


def relations_named(statements):
    """Every relation (tables and indexes) the statements name, as catalog keys."""
    found = set()
    for statement in statements:
        node = statement.node
        for attr in ('relation',):
            rv = getattr(node, attr, None)
            if isinstance(rv, ast.RangeVar):
                found.add(_rangevar(rv))
        if isinstance(node, ast.LockStmt):
            found.update(_rangevar(rv) for rv in node.relations)
        elif isinstance(node, ast.VacuumStmt):
            found.update(_rangevar(r.relation) for r in node.rels or () if r.relation)
        elif isinstance(node, ast.DropStmt) and node.removeType in (enums.ObjectType.OBJECT_TABLE, enums.ObjectType.OBJECT_INDEX):
            found.update(_names(items) for items in node.objects)
    return found


class _Run:
    """What the statements of the run have done so far: tables created, constraints validated."""

    def __init__(self, catalog, big_rows, big_bytes):
        self.catalog = catalog
        self.big_rows = big_rows
        self.big_bytes = big_bytes
        self.new = set()
        self.not_null_checks = {}   # (table, constraint) -> column, of CHECK (col IS NOT NULL)
        self.validated = set()      # (table, column) with a validated CHECK (col IS NOT NULL)
        self.added_columns = {}     # (table, column) -> type as (base, mods, array)

    def size(self, table):
        """'new', 'big' or 'small', and words for the message."""
        if table in self.new:
            return 'new', 'created earlier in this run'
        entry = self.catalog.get(table)
        if entry is None:
            return 'small', 'not in the database'
        rows = entry.get('rows')
        size = entry.get('bytes') or 0
        words = '%s rows, %d MiB' % ('{:,}'.format(int(rows)) if rows is not None and rows >= 0 else 'unknown',
                                     size // (1024 * 1024))
        if (rows is not None and rows >= self.big_rows) or size >= self.big_bytes:
            return 'big', words
        return 'small', words


def _finding(rule, script, statement, table, size, detail=''):
    what, fix, _severity, _on_new = RULES[rule]
    where = '%s line %s' % (script, statement.line if statement else '?')
    shown = statement.text if statement else ''
    if len(shown) > 120:
        shown = shown[:117] + '...'
    message = '%s: %s' % (where, shown) if shown else where
    message += ': %s%s' % (what, ' (%s)' % detail if detail else '')
    if table:
        message += ' on %s (%s)' % (table, size[1])
    message += '; instead: %s' % fix
    return dict(rule=rule, script=script, line=statement.line if statement else None, statement=shown, table=table,
                message=message, fix=fix, size=size[0] if size else None)


def _check_alter_table(run, statement, emit):
    node = statement.node
    if node.objtype != enums.ObjectType.OBJECT_TABLE or node.relation is None:
        return
    table = _rangevar(node.relation)
    for cmd in node.cmds or ():
        subtype = cmd.subtype
        kinds = enums.AlterTableType
        if subtype == kinds.AT_AddColumn:
            column = cmd.def_
            base = _type_of(column.typeName)
            run.added_columns[(table, column.colname)] = base
            if base[0] in SERIAL_TYPES:
                emit('add-serial-column', table)
            for constraint in column.constraints or ():
                if constraint.contype == enums.ConstrType.CONSTR_IDENTITY:
                    emit('add-serial-column', table)
                elif constraint.contype == enums.ConstrType.CONSTR_GENERATED:
                    emit('add-stored-generated-column', table)
                elif constraint.contype == enums.ConstrType.CONSTR_DEFAULT and _volatile(constraint.raw_expr):
                    emit('volatile-default', table, _volatile(constraint.raw_expr) + '()')
                elif constraint.contype == enums.ConstrType.CONSTR_PRIMARY:
                    emit('primary-key', table)
                elif constraint.contype == enums.ConstrType.CONSTR_UNIQUE:
                    emit('unique-constraint', table)
        elif subtype == kinds.AT_DropColumn:
            emit('drop-column', table, cmd.name)
        elif subtype == kinds.AT_AlterColumnType:
            new_type = _type_of(cmd.def_.typeName)
            if cmd.def_.raw_default is not None:
                emit('column-type-rewrite', table, 'USING')
                continue
            old = (run.catalog.get(table) or {}).get('columns', {}).get(cmd.name)
            if old is None:
                emit('column-type-rewrite', table, 'the current type of %s is not known' % cmd.name)
            elif rewrites(old, new_type):
                emit('column-type-rewrite', table, '%s %s to %s' % (cmd.name, old, _type_words(new_type)))
        elif subtype == kinds.AT_SetNotNull:
            entry = run.catalog.get(table) or {}
            if cmd.name in entry.get('not_null', ()):
                continue
            checked = (table, cmd.name) in run.validated or any(
                c.get('validated') and _not_null_check_column(c.get('definition', '')) == cmd.name
                for c in entry.get('constraints', ()))
            if not checked:
                emit('set-not-null', table, cmd.name)
        elif subtype == kinds.AT_AddConstraint:
            constraint = cmd.def_
            contype = constraint.contype
            if contype in (enums.ConstrType.CONSTR_FOREIGN, enums.ConstrType.CONSTR_CHECK):
                column = _is_not_null_test(constraint.raw_expr) if contype == enums.ConstrType.CONSTR_CHECK else None
                if constraint.skip_validation:
                    if column and constraint.conname:
                        run.not_null_checks[(table, constraint.conname)] = column
                else:
                    emit('constraint-not-valid', table, constraint.conname or '')
                    if column:
                        run.validated.add((table, column))
            elif contype in (enums.ConstrType.CONSTR_UNIQUE, enums.ConstrType.CONSTR_PRIMARY) and not constraint.indexname:
                emit('primary-key' if contype == enums.ConstrType.CONSTR_PRIMARY else 'unique-constraint', table)
        elif subtype == kinds.AT_ValidateConstraint:
            column = run.not_null_checks.get((table, cmd.name))
            if column is None:
                for c in (run.catalog.get(table) or {}).get('constraints', ()):
                    if c.get('name') == cmd.name:
                        column = _not_null_check_column(c.get('definition', ''))
            if column:
                run.validated.add((table, column))


def _type_words(new_type):
    base, mods, array = new_type
    return '%s%s%s' % (base, '(%s)' % ','.join(str(m) for m in mods) if mods else '', array)


def _not_null_check_column(definition):
    match = re.match(r'^CHECK \(\(?"?([^"() ]+)"? IS NOT NULL\)?\)$', definition.strip())
    return match.group(1) if match else None


def _is_not_null_test(expr):
    if isinstance(expr, ast.NullTest) and expr.nulltesttype == enums.NullTestType.IS_NOT_NULL \
            and isinstance(expr.arg, ast.ColumnRef) and len(expr.arg.fields) == 1:
        return expr.arg.fields[0].sval
    return None


def _volatile(expr):
    """The name of a volatile function the expression calls, or None."""
    found = []

    def visit(node):
        if isinstance(node, ast.FuncCall):
            name = node.funcname[-1].sval
            if name in VOLATILE_FUNCTIONS:
                found.append(name)
        if isinstance(node, ast.Node):
            for attr in node:
                visit(getattr(node, attr))
        elif isinstance(node, tuple):
            for item in node:
                visit(item)
    visit(expr)
    return found[0] if found else None


def _session_setting(node):
    """Words for a statement that switches off a protection of the run, or None."""
    if isinstance(node, ast.DiscardStmt) and node.target == enums.DiscardMode.DISCARD_ALL:
        return 'DISCARD ALL'
    if not isinstance(node, ast.VariableSetStmt):
        return None
    kind = enums.VariableSetKind
    if node.kind == kind.VAR_RESET_ALL:
        return 'RESET ALL'
    name = node.name or ''
    if name in ('role', 'session_authorization'):
        return '%s %s' % ('RESET' if node.kind == kind.VAR_RESET else 'SET', name.replace('_', ' ').upper())
    if name in LIMITS:
        if node.kind in (kind.VAR_RESET, kind.VAR_SET_DEFAULT):
            return '%s to its default' % name
        if node.kind == kind.VAR_SET_VALUE and node.args:
            value = node.args[0].val
            text = str(getattr(value, 'ival', getattr(value, 'sval', getattr(value, 'fval', ''))))
            if re.match(r'^0*(?:\.0*)?\s*(?:us|ms|s|min|h|d)?$', text.strip(), re.I):
                return '%s to 0' % name
    return None


def _check(run, statement, emit):
    node = statement.node
    if isinstance(node, ast.CreateStmt):
        run.new.add(_rangevar(node.relation))
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        run.new.add(_rangevar(node.into.rel))
    elif isinstance(node, ast.IndexStmt):
        if not node.concurrent:
            emit('index-not-concurrent', _rangevar(node.relation))
    elif isinstance(node, ast.AlterTableStmt):
        _check_alter_table(run, statement, emit)
    elif isinstance(node, ast.RenameStmt):
        if node.renameType == enums.ObjectType.OBJECT_COLUMN and node.relationType == enums.ObjectType.OBJECT_TABLE:
            emit('rename-column', _rangevar(node.relation), '%s to %s' % (node.subname, node.newname))
        elif node.renameType == enums.ObjectType.OBJECT_TABLE:
            table = _rangevar(node.relation)
            emit('rename-table', table, 'to %s' % node.newname)
            if table in run.new:
                run.new.add(relation_key(node.relation.schemaname, node.newname))
    elif isinstance(node, ast.DropStmt):
        if node.removeType == enums.ObjectType.OBJECT_TABLE:
            for items in node.objects:
                emit('drop-table', _names(items))
        elif node.removeType == enums.ObjectType.OBJECT_INDEX and not node.concurrent:
            for items in node.objects:
                index = _names(items)
                entry = run.catalog.get(index) or {}
                emit('drop-index-not-concurrent', entry.get('table') or index)
    elif isinstance(node, ast.VacuumStmt):
        if any(o.defname == 'full' for o in node.options or ()):
            for r in node.rels or (None,):
                emit('vacuum-full', _rangevar(r.relation) if r is not None and r.relation else None)
    elif isinstance(node, ast.ClusterStmt):
        emit('cluster', _rangevar(node.relation) if node.relation else None)
    elif isinstance(node, ast.LockStmt):
        for rv in node.relations:
            emit('lock-table', _rangevar(rv))
    elif isinstance(node, ast.ReindexStmt):
        concurrent = any(o.defname == 'concurrently' for o in node.params or ())
        if not concurrent:
            table = _rangevar(node.relation) if node.relation else None
            if node.kind == enums.ReindexObjectType.REINDEX_OBJECT_INDEX and table:
                table = (run.catalog.get(table) or {}).get('table') or table
            emit('reindex-not-concurrent', table)
    else:
        what = _session_setting(node)
        if what:
            emit('session-settings', None, what)


def lint_scripts(scripts, catalog, big_table_rows=DEFAULT_BIG_TABLE_ROWS, big_table_bytes=DEFAULT_BIG_TABLE_BYTES):
    """Findings for ``scripts``, a list of (file name, text) in the order they run.

    ``catalog`` maps relation keys (see ``relation_key``) to what the target database says of them:
    ``rows`` (estimate), ``bytes``, ``columns`` ({name: type as format_type writes it}), ``not_null`` (column
    names), ``constraints`` ([{name, type, validated, definition}]), ``indexes``, and for an index its ``table``.
    Relations not in it do not exist. Each finding has rule, severity (error or warning), script, line,
    statement, table, message, fix and ``allowed``: the reason of the script's opt-out, or None.
    """
    if not HAS_PGLAST:
        raise LintError(PGLAST_MISSING)
    run = _Run(catalog or {}, big_table_rows, big_table_bytes)
    findings = []
    for name, text in scripts:
        allowed, problems = allowances(text)
        for line, words in problems:
            finding = _finding('allow-without-reason', name, Statement(None, line, ''), None, None, words)
            findings.append(dict(finding, severity=ERROR, allowed=None))
        try:
            statements = parse_script(text)
        except ValueError as e:
            line, words = e.args
            finding = _finding('syntax', name, Statement(None, line or '?', ''), None, None, words)
            findings.append(dict(finding, severity=ERROR, allowed=None))
            continue

        for statement in statements:
            _check(run, statement, _Emitter(run, name, statement, allowed, findings))
    return findings


class _Emitter:
    """Adds the findings of one statement, with the severity its table's size gives."""

    def __init__(self, run, script, statement, allowed, findings):
        self.run = run
        self.script = script
        self.statement = statement
        self.allowed = allowed
        self.findings = findings

    def __call__(self, rule, table, detail=''):
        severity_kind, on_new = RULES[rule][2], RULES[rule][3]
        size = self.run.size(table) if table else None
        if size and size[0] == 'new' and not on_new:
            return
        if severity_kind == 'scaled':
            severity = ERROR if size is None or size[0] == 'big' else WARNING
        else:
            severity = severity_kind
        finding = _finding(rule, self.script, self.statement, table, size, detail)
        # DISCARD ALL would also drop the run's migration lock: no reason allows it.
        reason = None if detail == 'DISCARD ALL' else self.allowed.get(rule)
        self.findings.append(dict(finding, severity=severity, allowed=reason))


def blocking(findings, fail_on=ERROR):
    """The findings that stop the run: not opted out, and at least as severe as ``fail_on``."""
    if fail_on == 'never':
        return []
    levels = (ERROR,) if fail_on == ERROR else (ERROR, WARNING)
    return [f for f in findings if f['allowed'] is None and f['severity'] in levels]


def script_relations(scripts):
    """The relation keys every parseable script names: what the catalog round needs to read."""
    if not HAS_PGLAST:
        raise LintError(PGLAST_MISSING)
    found = set()
    for _name, text in scripts:
        try:
            found |= relations_named(parse_script(text))
        except ValueError:
            continue
    return sorted(found)


def summarize(findings, fail_on=ERROR):
    """The findings as a deploy summary or a report shows them: ``errors`` (the messages that stop the run),
    ``warnings`` (the other messages not opted out) and ``allowed`` (each opt-out: rule, script, line, severity and
    the reason the script gives)."""
    stopping = blocking(findings, fail_on)
    return dict(
        errors=[f['message'] for f in stopping],
        warnings=[f['message'] for f in findings if f['allowed'] is None and f not in stopping],
        allowed=[dict(rule=f['rule'], script=f['script'], line=f['line'], severity=f['severity'], reason=f['allowed'])
                 for f in findings if f['allowed'] is not None],
    )
