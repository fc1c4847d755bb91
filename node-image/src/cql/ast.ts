// The CQL abstract syntax tree produced by the parser (parser.ts) and consumed by statement
// preparation (prepare/*). Identifiers are already normalized: unquoted names lower-cased, quoted
// names kept verbatim. Bind markers are numbered in order of appearance in the statement text
// (for a BATCH, across all child statements).

// ---------------------------------------------------------------------------------------------
// Types as written

export type TypeExpr =
  | { readonly kind: 'native'; readonly name: string } // 'int', 'text', 'varchar', ... (lower-cased)
  | { readonly kind: 'list'; readonly element: TypeExpr }
  | { readonly kind: 'set'; readonly element: TypeExpr }
  | { readonly kind: 'map'; readonly key: TypeExpr; readonly value: TypeExpr }
  | { readonly kind: 'tuple'; readonly elements: readonly TypeExpr[] }
  | { readonly kind: 'frozen'; readonly inner: TypeExpr }
  | { readonly kind: 'udt'; readonly keyspace: string | null; readonly name: string }
  | { readonly kind: 'custom'; readonly className: string }; // 'org.apache...' string literal

// ---------------------------------------------------------------------------------------------
// Terms (values)

export type ConstantKind = 'string' | 'integer' | 'float' | 'boolean' | 'uuid' | 'hex' | 'duration' | 'nan' | 'infinity';

export type Term =
  /** `text` is the literal as written: string content unescaped, numbers with sign, hex with 0x. */
  | { readonly kind: 'constant'; readonly type: ConstantKind; readonly text: string }
  | { readonly kind: 'null' }
  /** `?` (name null) or `:name`. `index` is the marker's position among all markers. */
  | { readonly kind: 'bind'; readonly index: number; readonly name: string | null }
  | { readonly kind: 'list'; readonly elements: readonly Term[] }
  | { readonly kind: 'set'; readonly elements: readonly Term[] }
  | { readonly kind: 'map'; readonly entries: ReadonlyArray<readonly [Term, Term]> }
  /** `{}`: an empty set or map, decided by the receiver's type. */
  | { readonly kind: 'emptyBraces' }
  | { readonly kind: 'udt'; readonly fields: ReadonlyArray<readonly [string, Term]> }
  | { readonly kind: 'tuple'; readonly elements: readonly Term[] }
  | { readonly kind: 'function'; readonly keyspace: string | null; readonly name: string; readonly args: readonly Term[] }
  | { readonly kind: 'cast'; readonly type: TypeExpr; readonly term: Term }
  /** Arithmetic on terms, e.g. `1 + 2` or `-?` (Cassandra 4+). */
  | { readonly kind: 'binary'; readonly op: '+' | '-' | '*' | '/' | '%'; readonly left: Term; readonly right: Term }
  | { readonly kind: 'negate'; readonly term: Term };

// ---------------------------------------------------------------------------------------------
// SELECT clauses

export type Selector =
  | { readonly kind: 'column'; readonly name: string }
  | { readonly kind: 'writetime'; readonly column: string }
  | { readonly kind: 'maxwritetime'; readonly column: string }
  | { readonly kind: 'ttl'; readonly column: string }
  | { readonly kind: 'countStar' } // COUNT(*) and COUNT(1)
  | { readonly kind: 'function'; readonly keyspace: string | null; readonly name: string; readonly args: readonly Selector[] }
  | { readonly kind: 'cast'; readonly selector: Selector; readonly type: TypeExpr }
  | { readonly kind: 'field'; readonly selector: Selector; readonly field: string }
  | { readonly kind: 'element'; readonly selector: Selector; readonly key: Term }
  | { readonly kind: 'slice'; readonly selector: Selector; readonly from: Term | null; readonly to: Term | null }
  | { readonly kind: 'term'; readonly term: Term };

export interface SelectClause {
  readonly selector: Selector;
  readonly alias: string | null;
}

export type RelationOp = '=' | '<' | '<=' | '>' | '>=' | '!=' | 'IN' | 'CONTAINS' | 'CONTAINS KEY' | 'LIKE' | 'IS NOT NULL';

export type Relation =
  /** `col op value`; for IN, value is a `list`/`tuple` term of the candidates or a single bind marker. */
  | { readonly kind: 'simple'; readonly column: string; readonly op: RelationOp; readonly value: Term }
  /** `col[key] = value` (map element filtering). */
  | { readonly kind: 'element'; readonly column: string; readonly key: Term; readonly op: RelationOp; readonly value: Term }
  /** `(c1, c2) op (v1, v2)`; for IN, value is a list of tuples or a bind marker. */
  | { readonly kind: 'multi'; readonly columns: readonly string[]; readonly op: RelationOp; readonly value: Term }
  /** `token(k1, k2) op value`. */
  | { readonly kind: 'token'; readonly columns: readonly string[]; readonly op: RelationOp; readonly value: Term };

export interface Ordering {
  readonly column: string;
  readonly descending: boolean;
}

// ---------------------------------------------------------------------------------------------
// Modification clauses

export interface QualifiedName {
  readonly keyspace: string | null;
  readonly name: string;
}

export interface UsingClause {
  readonly ttl: Term | null;
  readonly timestamp: Term | null;
}

export type Assignment =
  /** `col = value`. */
  | { readonly kind: 'set'; readonly column: string; readonly value: Term }
  /** `col = col + value` (append / add / counter increment). */
  | { readonly kind: 'add'; readonly column: string; readonly value: Term }
  /** `col = value + col` (list prepend). */
  | { readonly kind: 'prepend'; readonly column: string; readonly value: Term }
  /** `col = col - value` (remove / counter decrement). */
  | { readonly kind: 'subtract'; readonly column: string; readonly value: Term }
  /** `col[key] = value` (list index or map key). */
  | { readonly kind: 'setElement'; readonly column: string; readonly key: Term; readonly value: Term }
  /** `col.field = value` (non-frozen UDT field). */
  | { readonly kind: 'setField'; readonly column: string; readonly field: string; readonly value: Term };

export type Condition =
  | { readonly kind: 'column'; readonly column: string; readonly op: RelationOp; readonly value: Term }
  | { readonly kind: 'element'; readonly column: string; readonly key: Term; readonly op: RelationOp; readonly value: Term }
  | { readonly kind: 'field'; readonly column: string; readonly field: string; readonly op: RelationOp; readonly value: Term };

export type DeleteTarget =
  | { readonly kind: 'column'; readonly column: string }
  | { readonly kind: 'element'; readonly column: string; readonly key: Term }
  | { readonly kind: 'field'; readonly column: string; readonly field: string };

/** `IF NOT EXISTS` / `IF EXISTS` / `IF cond AND cond` / none. */
export type IfClause =
  | { readonly kind: 'none' }
  | { readonly kind: 'notExists' }
  | { readonly kind: 'exists' }
  | { readonly kind: 'conditions'; readonly conditions: readonly Condition[] };

// ---------------------------------------------------------------------------------------------
// DDL properties

export type PropertyValue =
  | { readonly kind: 'constant'; readonly type: ConstantKind; readonly text: string }
  | { readonly kind: 'identifier'; readonly name: string }
  | { readonly kind: 'map'; readonly entries: ReadonlyArray<readonly [string, PropertyValue]> };

export interface Property {
  /** Lower-cased property name, e.g. 'replication', 'compaction', 'gc_grace_seconds'. */
  readonly name: string;
  readonly value: PropertyValue;
}

export interface ColumnDefinition {
  readonly name: string;
  readonly type: TypeExpr;
  readonly isStatic: boolean;
}

// ---------------------------------------------------------------------------------------------
// Statements

export interface SelectStatement {
  readonly kind: 'select';
  readonly table: QualifiedName;
  readonly json: boolean;
  readonly distinct: boolean;
  /** null for `SELECT *`. */
  readonly selectors: readonly SelectClause[] | null;
  readonly where: readonly Relation[];
  readonly groupBy: readonly string[];
  readonly orderBy: readonly Ordering[];
  readonly perPartitionLimit: Term | null;
  readonly limit: Term | null;
  readonly allowFiltering: boolean;
}

export interface InsertStatement {
  readonly kind: 'insert';
  readonly table: QualifiedName;
  /** Column names and values (VALUES form), or null for INSERT JSON. */
  readonly columns: readonly string[] | null;
  readonly values: readonly Term[] | null;
  readonly json: Term | null;
  /** INSERT JSON ... DEFAULT UNSET (true) or DEFAULT NULL (false, the default). */
  readonly jsonDefaultUnset: boolean;
  readonly ifNotExists: boolean;
  readonly using: UsingClause;
}

export interface UpdateStatement {
  readonly kind: 'update';
  readonly table: QualifiedName;
  readonly using: UsingClause;
  readonly assignments: readonly Assignment[];
  readonly where: readonly Relation[];
  readonly ifClause: IfClause;
}

export interface DeleteStatement {
  readonly kind: 'delete';
  readonly table: QualifiedName;
  /** Empty: delete whole rows/partitions. */
  readonly targets: readonly DeleteTarget[];
  readonly using: UsingClause;
  readonly where: readonly Relation[];
  readonly ifClause: IfClause;
}

export type ModificationStatement = InsertStatement | UpdateStatement | DeleteStatement;

export interface BatchStatement {
  readonly kind: 'batch';
  readonly batchType: 'logged' | 'unlogged' | 'counter';
  readonly using: UsingClause;
  readonly statements: readonly ModificationStatement[];
}

export interface UseStatement {
  readonly kind: 'use';
  readonly keyspace: string;
}

export interface CreateKeyspaceStatement {
  readonly kind: 'createKeyspace';
  readonly name: string;
  readonly ifNotExists: boolean;
  readonly properties: readonly Property[];
}

export interface AlterKeyspaceStatement {
  readonly kind: 'alterKeyspace';
  readonly name: string;
  readonly ifExists: boolean;
  readonly properties: readonly Property[];
}

export interface DropKeyspaceStatement {
  readonly kind: 'dropKeyspace';
  readonly name: string;
  readonly ifExists: boolean;
}

export interface CreateTableStatement {
  readonly kind: 'createTable';
  readonly table: QualifiedName;
  readonly ifNotExists: boolean;
  readonly columns: readonly ColumnDefinition[];
  /** Partition key columns (from `PRIMARY KEY ((a, b), c)` or an inline `PRIMARY KEY`). */
  readonly partitionKey: readonly string[];
  readonly clusteringKey: readonly string[];
  /** `WITH CLUSTERING ORDER BY (c DESC, ...)`. */
  readonly clusteringOrder: readonly Ordering[];
  readonly compactStorage: boolean;
  readonly properties: readonly Property[];
  /** How many PRIMARY KEY declarations the statement had (Cassandra refuses more than one as Invalid). */
  readonly primaryKeyDeclarations?: number;
}

export type AlterTableAction =
  | { readonly kind: 'add'; readonly columns: readonly ColumnDefinition[]; readonly ifNotExists: boolean }
  | { readonly kind: 'drop'; readonly columns: readonly string[]; readonly ifExists: boolean; readonly timestamp: Term | null }
  | { readonly kind: 'rename'; readonly renames: ReadonlyArray<readonly [string, string]>; readonly ifExists: boolean }
  | { readonly kind: 'alterType'; readonly column: string; readonly type: TypeExpr }
  | { readonly kind: 'with'; readonly properties: readonly Property[] };

export interface AlterTableStatement {
  readonly kind: 'alterTable';
  readonly table: QualifiedName;
  readonly ifExists: boolean;
  readonly action: AlterTableAction;
}

export interface DropTableStatement {
  readonly kind: 'dropTable';
  readonly table: QualifiedName;
  readonly ifExists: boolean;
}

export interface TruncateStatement {
  readonly kind: 'truncate';
  readonly table: QualifiedName;
}

export interface CreateTypeStatement {
  readonly kind: 'createType';
  readonly type: QualifiedName;
  readonly ifNotExists: boolean;
  readonly fields: ReadonlyArray<{ readonly name: string; readonly type: TypeExpr }>;
}

export type AlterTypeAction =
  | { readonly kind: 'add'; readonly field: string; readonly type: TypeExpr; readonly ifNotExists: boolean }
  | { readonly kind: 'rename'; readonly renames: ReadonlyArray<readonly [string, string]>; readonly ifExists: boolean }
  | { readonly kind: 'alterType'; readonly field: string; readonly type: TypeExpr };

export interface AlterTypeStatement {
  readonly kind: 'alterType';
  readonly type: QualifiedName;
  readonly ifExists: boolean;
  readonly action: AlterTypeAction;
}

export interface DropTypeStatement {
  readonly kind: 'dropType';
  readonly type: QualifiedName;
  readonly ifExists: boolean;
}

export interface CreateIndexStatement {
  readonly kind: 'createIndex';
  readonly name: string | null;
  readonly table: QualifiedName;
  readonly ifNotExists: boolean;
  /** Target column and what of it is indexed: `values(c)` / plain c (values), `keys(m)`, `entries(m)`, `full(c)`. */
  readonly target: { readonly column: string; readonly kind: 'values' | 'keys' | 'entries' | 'full' } | null;
  /** `CREATE CUSTOM INDEX ... USING 'class'`. */
  readonly customClass: string | null;
  readonly options: readonly Property[];
}

export interface DropIndexStatement {
  readonly kind: 'dropIndex';
  readonly index: QualifiedName;
  readonly ifExists: boolean;
}

export interface CreateMaterializedViewStatement {
  readonly kind: 'createMaterializedView';
  readonly view: QualifiedName;
  readonly ifNotExists: boolean;
  readonly baseTable: QualifiedName;
  readonly selectors: readonly SelectClause[] | null;
  readonly where: readonly Relation[];
  readonly partitionKey: readonly string[];
  readonly clusteringKey: readonly string[];
  readonly clusteringOrder: readonly Ordering[];
  readonly properties: readonly Property[];
}

export interface DropMaterializedViewStatement {
  readonly kind: 'dropMaterializedView';
  readonly view: QualifiedName;
  readonly ifExists: boolean;
}

/** Roles, users and permissions: parsed so that they can be answered (or refused) precisely. */
export interface RoleStatement {
  readonly kind: 'role';
  readonly action:
    | 'createRole' | 'alterRole' | 'dropRole' | 'grantRole' | 'revokeRole' | 'listRoles'
    | 'createUser' | 'alterUser' | 'dropUser' | 'listUsers'
    | 'grantPermission' | 'revokePermission' | 'listPermissions';
  readonly name: string | null;
  readonly ifNotExists: boolean;
  readonly ifExists: boolean;
  /** Role options (PASSWORD, LOGIN, SUPERUSER, OPTIONS) as properties. */
  readonly options: readonly Property[];
  /** For GRANT/REVOKE/LIST PERMISSIONS: the permission (e.g. 'SELECT', 'ALL'), resource text and grantee. */
  readonly permission: string | null;
  readonly resource: string | null;
  readonly grantee: string | null;
  /** LIST ROLES / LIST permissions ... NORECURSIVE: only direct grants. */
  readonly noRecursive?: boolean;
}

/** CREATE/DROP FUNCTION and AGGREGATE (user-defined functions are disabled by default, as in Cassandra). */
export interface FunctionStatement {
  readonly kind: 'function';
  readonly action: 'createFunction' | 'dropFunction' | 'createAggregate' | 'dropAggregate';
  readonly name: QualifiedName;
  readonly ifNotExists: boolean;
  readonly ifExists: boolean;
  readonly orReplace: boolean;
}

export type Statement =
  | SelectStatement
  | InsertStatement
  | UpdateStatement
  | DeleteStatement
  | BatchStatement
  | UseStatement
  | CreateKeyspaceStatement
  | AlterKeyspaceStatement
  | DropKeyspaceStatement
  | CreateTableStatement
  | AlterTableStatement
  | DropTableStatement
  | TruncateStatement
  | CreateTypeStatement
  | AlterTypeStatement
  | DropTypeStatement
  | CreateIndexStatement
  | DropIndexStatement
  | CreateMaterializedViewStatement
  | DropMaterializedViewStatement
  | RoleStatement
  | FunctionStatement;

/** Parser output: the statement and how many bind markers it has (and their names). */
export interface ParsedStatement {
  readonly statement: Statement;
  readonly bindMarkerCount: number;
  /** Name of each marker (null for `?`), by index. */
  readonly bindMarkerNames: readonly (string | null)[];
}
