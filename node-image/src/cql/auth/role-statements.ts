// Role, user and permission statements with CassandraRoleManager's semantics: authorize, then
// validate, then execute, in Cassandra's order so that the first error is Cassandra's. Deliberate
// difference (docs/design/auth.md): with PasswordAuthenticator, managing other roles needs a
// superuser, as CassandraAuthorizer with no permissions granted would decide; Cassandra's
// AllowAllAuthorizer would let any role do it. Permission statements answer as AllowAllAuthorizer.
import { CqlError, ErrorCode, invalidRequest, serverError, syntaxError } from '../../lib/index.ts';
import type { CqlType, SchemaSnapshot } from '../../schema/index.ts';
import type { Property, PropertyValue, RoleStatement } from '../ast.ts';
import type { ColumnSpec, QueryResponse } from '../service.ts';
import type { Execution, PrepareContext, PreparedStatement } from '../statements/statement-context.ts';
import type { Actor, AuthService } from './auth-service.ts';
import { unauthorized } from './auth-service.ts';
import { hashPassword, isPasswordHash } from './password-hash.ts';
import type { RoleRecord } from './role-store.ts';

const ROLE_MANAGER_CLASS = 'org.apache.cassandra.auth.CassandraRoleManager';

const TEXT: CqlType = { kind: 'native', name: 'text' };
const BOOLEAN: CqlType = { kind: 'native', name: 'boolean' };
const TEXT_MAP: CqlType = { kind: 'map', key: TEXT, value: TEXT, frozen: false };

const column = (table: string, name: string, type: CqlType): ColumnSpec => ({ keyspace: 'system_auth', table, name, type });
export const LIST_ROLES_COLUMNS: readonly ColumnSpec[] = [
  column('roles', 'role', TEXT), column('roles', 'super', BOOLEAN), column('roles', 'login', BOOLEAN),
  column('roles', 'options', TEXT_MAP), column('roles', 'datacenters', TEXT),
];
export const LIST_USERS_COLUMNS: readonly ColumnSpec[] = [
  column('users', 'name', TEXT), column('users', 'super', BOOLEAN), column('users', 'datacenters', TEXT),
];

const TRUE_BYTES = Buffer.from([1]);
const FALSE_BYTES = Buffer.from([0]);
const EMPTY_MAP_BYTES = Buffer.alloc(4);
/** AllowAllNetworkAuthorizer: every role may use every datacenter. */
const ALL_DATACENTERS_BYTES = Buffer.from('ALL', 'utf8');
const VOID: QueryResponse = { result: { kind: 'void' }, warnings: [] };

export function prepareRoleStatement(statement: RoleStatement, ctx: PrepareContext, auth: AuthService): PreparedStatement {
  const run = preparedRun(statement, ctx, auth);
  const columns = statement.action === 'listRoles' ? LIST_ROLES_COLUMNS : statement.action === 'listUsers' ? LIST_USERS_COLUMNS : [];
  return {
    kind: statement.action, keyspace: null, table: null, bindSpecs: ctx.binds.complete(), partitionKeyBindIndexes: [],
    resultMetadata: { columns }, isSchemaChange: false, execute: run,
  };
}

type Run = (execution: Execution) => Promise<QueryResponse>;

function preparedRun(s: RoleStatement, ctx: PrepareContext, auth: AuthService): Run {
  const name = s.name ?? '';
  switch (s.action) {
    case 'createRole':
      return createRole(auth, { name, ifNotExists: s.ifNotExists, options: parseRoleOptions(s.options), isUser: false });
    case 'createUser':
      return createRole(auth, { name, ifNotExists: s.ifNotExists, options: parseRoleOptions(s.options), isUser: true });
    case 'alterRole': case 'alterUser':
      return alterRole(auth, { name, ifExists: s.ifExists, options: parseRoleOptions(s.options) });
    case 'dropRole': case 'dropUser':
      return dropRole(auth, { name, ifExists: s.ifExists });
    case 'grantRole': case 'revokeRole':
      return grantOrRevokeRole(auth, { role: name, grantee: s.grantee ?? '', grant: s.action === 'grantRole' });
    case 'listRoles':
      return listRoles(auth, { grantee: s.grantee, recursive: !isNoRecursive(s) });
    case 'listUsers':
      return listUsers(auth);
    case 'grantPermission': case 'revokePermission': case 'listPermissions':
      return permissionStatement(auth, s, parseResource(s.resource, ctx));
    default: {
      const never: never = s.action;
      throw invalidRequest(`Unsupported statement ${String(never)}`);
    }
  }
}

/** NORECURSIVE, once the parser records it (a `noRecursive` field on RoleStatement). */
function isNoRecursive(s: RoleStatement): boolean {
  return 'noRecursive' in s && s.noRecursive === true;
}

// ---------------------------------------------------------------------------------------------
// Authorization helpers

function isSuper(actor: Actor): boolean {
  return actor.kind === 'internal' || (actor.kind === 'user' && actor.isSuper);
}

/** Stands for CassandraAuthorizer's permission check on roles: only superusers hold role permissions. */
function checkRolePermission(actor: Actor): void {
  if (actor.kind === 'user' && !actor.isSuper) {
    throw unauthorized(`User ${actor.name} does not have sufficient privileges to perform the requested operation`);
  }
}

function ensureNotAnonymous(actor: Actor): void {
  if (actor.kind === 'anonymous') throw unauthorized('You have to be logged in and not anonymous to perform this request');
}

// ---------------------------------------------------------------------------------------------
// Role options

interface RoleOptions {
  /** Option names as Cassandra's IRoleManager.Option, in statement order (for messages). */
  readonly given: readonly string[];
  readonly password: string | null;
  readonly hashedPassword: string | null;
  readonly generatedPassword: boolean;
  readonly login: boolean | null;
  readonly superuser: boolean | null;
  readonly customOptions: boolean;
  readonly datacenters: 'all' | readonly string[] | null;
  readonly cidrs: 'all' | readonly string[] | null;
}

const OPTION_NAMES: Readonly<Record<string, string>> = {
  password: 'PASSWORD', hashed_password: 'HASHED_PASSWORD', generated_password: 'GENERATED_PASSWORD', login: 'LOGIN',
  superuser: 'SUPERUSER', options: 'OPTIONS',
};

function constantText(value: PropertyValue): string {
  return value.kind === 'constant' ? value.text : value.kind === 'identifier' ? value.name : '';
}

function nameList(value: PropertyValue): 'all' | string[] {
  if (value.kind === 'identifier' && value.name === 'all') return 'all';
  return value.kind === 'map' ? value.entries.map(([k]) => k) : [];
}

function parseRoleOptions(properties: readonly Property[]): RoleOptions {
  const get = (name: string): PropertyValue | undefined => properties.find((p) => p.name === name)?.value;
  const text = (name: string): string | null => {
    const v = get(name);
    return v === undefined ? null : constantText(v);
  };
  const flag = (name: string): boolean | null => {
    const v = get(name);
    return v === undefined ? null : constantText(v).toLowerCase() === 'true';
  };
  const dcs = get('access_to_datacenters');
  const cidrs = get('access_from_cidrs');
  return {
    given: properties.map((p) => OPTION_NAMES[p.name]).filter((n): n is string => n !== undefined),
    password: text('password'),
    hashedPassword: text('hashed_password'),
    generatedPassword: get('generated_password') !== undefined,
    login: flag('login'),
    superuser: flag('superuser'),
    customOptions: get('options') !== undefined,
    datacenters: dcs === undefined ? null : nameList(dcs),
    cidrs: cidrs === undefined ? null : nameList(cidrs),
  };
}

function isEmptyOptions(o: RoleOptions): boolean {
  return o.given.length === 0 && o.datacenters === null && o.cidrs === null;
}

/** RoleOptions.validate of CassandraRoleManager, then the network and CIDR checks. */
function validateOptions(auth: AuthService, o: RoleOptions): void {
  if (o.generatedPassword) throw syntaxError('GENERATED PASSWORD is not supported (no password generator is configured)');
  if (o.password !== null && o.hashedPassword !== null) throw syntaxError(`Options 'password' and 'hashed password' are mutually exclusive`);
  if (o.password !== null && !auth.passwordsSupported) throw invalidRequest(`${ROLE_MANAGER_CLASS} doesn't support PASSWORD`);
  if (o.hashedPassword !== null) {
    if (!auth.passwordsSupported) throw invalidRequest(`${ROLE_MANAGER_CLASS} doesn't support HASHED_PASSWORD`);
    if (!isPasswordHash(o.hashedPassword)) {
      throw invalidRequest('Invalid hashed password value. Cassia accepts only its own scrypt hashes ($scrypt$ln=N,r=R,p=P$salt$hash), not bcrypt.');
    }
  }
  if (o.customOptions) throw invalidRequest(`${ROLE_MANAGER_CLASS} doesn't support OPTIONS`);
  if (o.datacenters !== null && o.datacenters !== 'all') {
    const known = auth.knownDatacenters();
    if (o.datacenters.some((dc) => !known.has(dc))) {
      throw invalidRequest(`Invalid value(s) for DATACENTERS '[${o.datacenters.join(', ')}]',All values must be valid datacenters`);
    }
  }
  if (o.cidrs !== null && o.cidrs !== 'all') throw invalidRequest(`Invalid CIDR group(s): [${o.cidrs.join(', ')}]. Available CIDR Groups are: []`);
}

async function saltedHashOf(auth: AuthService, o: RoleOptions): Promise<string | null> {
  if (o.password !== null) return hashPassword(o.password, auth.random);
  return o.hashedPassword;
}

// ---------------------------------------------------------------------------------------------
// CREATE / ALTER / DROP ROLE and USER

function createRole(auth: AuthService, s: { name: string; ifNotExists: boolean; options: RoleOptions; isUser: boolean }): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    const o = s.options;
    checkRolePermission(actor);
    if (o.superuser === true && !isSuper(actor)) throw unauthorized('Only superusers can create a role with superuser status');
    validateOptions(auth, o);
    if (s.name === '') throw invalidRequest(`Role name can't be an empty string`);
    ensureNotAnonymous(actor);
    if ((await auth.store.getRole(s.name)) !== null) {
      if (s.ifNotExists) return VOID;
      throw invalidRequest(`${s.name} already exists`);
    }
    const saltedHash = await saltedHashOf(auth, o);
    await auth.store.createRole({
      name: s.name, isSuperuser: o.superuser ?? false, canLogin: s.isUser ? true : (o.login ?? false), saltedHash,
    });
    auth.invalidate(s.name);
    return VOID;
  };
}

function alterRole(auth: AuthService, s: { name: string; ifExists: boolean; options: RoleOptions }): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    const o = s.options;
    if (o.superuser !== null && actor.kind === 'user' && actor.roles.has(s.name)) {
      throw unauthorized(`You aren't allowed to alter your own superuser status or that of a role granted to you`);
    }
    if (o.superuser !== null && !isSuper(actor)) throw unauthorized('Only superusers are allowed to alter superuser status');
    if (!isSuper(actor)) {
      if (actor.kind === 'user' && actor.name === s.name && o.datacenters === null && o.cidrs === null) {
        const alterable = auth.passwordsSupported ? ['PASSWORD', 'HASHED_PASSWORD'] : [];
        const refused = o.given.find((option) => !alterable.includes(option));
        if (refused !== undefined) throw unauthorized(`You aren't allowed to alter ${refused}`);
      } else {
        checkRolePermission(actor);
      }
    }
    validateOptions(auth, o);
    if (isEmptyOptions(o)) throw invalidRequest(`ALTER [ROLE|USER] can't be empty`);
    ensureNotAnonymous(actor);
    const existing = await auth.store.getRole(s.name);
    if (existing === null) {
      if (s.ifExists) return VOID;
      throw invalidRequest(`Role ${s.name} doesn't exist`);
    }
    if (o.datacenters !== null) throw invalidRequest('ACCESS TO DATACENTERS operations not supported by AllowAllNetworkAuthorizer');
    const saltedHash = await saltedHashOf(auth, o);
    await auth.store.updateRole(s.name, {
      ...(o.superuser === null ? {} : { isSuperuser: o.superuser }),
      ...(o.login === null ? {} : { canLogin: o.login }),
      ...(saltedHash === null ? {} : { saltedHash }),
    });
    auth.invalidate(s.name);
    return VOID;
  };
}

function dropRole(auth: AuthService, s: { name: string; ifExists: boolean }): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    checkRolePermission(actor);
    const existing = await auth.store.getRole(s.name);
    if (existing !== null && !isSuper(actor) && (await auth.hasSuperuserStatus(s.name))) {
      throw unauthorized('Only superusers can drop a role with superuser status');
    }
    ensureNotAnonymous(actor);
    if (existing === null) {
      if (s.ifExists) return VOID;
      throw invalidRequest(`${s.name} doesn't exist`);
    }
    if (actor.kind === 'user' && actor.name === s.name) throw invalidRequest('Cannot DROP primary role for current login');
    await auth.store.deleteRole(existing);
    auth.invalidate(s.name);
    return VOID;
  };
}

// ---------------------------------------------------------------------------------------------
// GRANT / REVOKE role

function grantOrRevokeRole(auth: AuthService, s: { role: string; grantee: string; grant: boolean }): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    checkRolePermission(actor);
    ensureNotAnonymous(actor);
    if ((await auth.store.getRole(s.role)) === null) throw invalidRequest(`${s.role} doesn't exist`);
    if ((await auth.store.getRole(s.grantee)) === null) throw invalidRequest(`${s.grantee} doesn't exist`);
    if (s.grant) {
      if (names(await auth.rolesOf(s.grantee, true)).has(s.role)) throw invalidRequest(`${s.grantee} is a member of ${s.role}`);
      if (names(await auth.rolesOf(s.role, true)).has(s.grantee)) throw invalidRequest(`${s.role} is a member of ${s.grantee}`);
      await auth.store.addMembership(s.role, s.grantee);
    } else {
      if (!names(await auth.rolesOf(s.grantee, false)).has(s.role)) throw invalidRequest(`${s.grantee} is not a member of ${s.role}`);
      await auth.store.removeMembership(s.role, s.grantee);
    }
    return VOID;
  };
}

function names(roles: readonly RoleRecord[]): Set<string> {
  return new Set(roles.map((r) => r.name));
}

// ---------------------------------------------------------------------------------------------
// LIST ROLES / LIST USERS

function byName(a: RoleRecord, b: RoleRecord): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function listRoles(auth: AuthService, s: { grantee: string | null; recursive: boolean }): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    ensureNotAnonymous(actor);
    if (s.grantee !== null && (await auth.store.getRole(s.grantee)) === null) throw invalidRequest(`<role ${s.grantee}> doesn't exist`);
    let roles: RoleRecord[];
    if (isSuper(actor)) {
      roles = s.grantee === null ? await auth.store.listRoles() : await auth.rolesOf(s.grantee, s.recursive);
    } else {
      if (actor.kind !== 'user') throw new Error('unreachable: an anonymous actor was refused above');
      if (s.grantee !== null && !actor.roles.has(s.grantee)) throw unauthorized(`You are not authorized to view roles granted to ${s.grantee} `);
      roles = await auth.rolesOf(s.grantee ?? actor.name, s.recursive);
    }
    const rows = [...roles].sort(byName).map((r) => [
      Buffer.from(r.name, 'utf8'), r.isSuperuser ? TRUE_BYTES : FALSE_BYTES, r.canLogin ? TRUE_BYTES : FALSE_BYTES, EMPTY_MAP_BYTES, ALL_DATACENTERS_BYTES,
    ]);
    return { result: { kind: 'rows', metadata: { columns: LIST_ROLES_COLUMNS }, rows, pagingState: null }, warnings: [] };
  };
}

function listUsers(auth: AuthService): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    ensureNotAnonymous(actor);
    let roles: RoleRecord[];
    if (isSuper(actor)) roles = await auth.store.listRoles();
    else if (actor.kind === 'user') roles = await auth.rolesOf(actor.name, true);
    else throw new Error('unreachable: an anonymous actor was refused above');
    const rows: Buffer[][] = [];
    for (const r of [...roles].sort(byName)) {
      if (!r.canLogin) continue;
      const superuser = await auth.hasSuperuserStatus(r.name);
      rows.push([Buffer.from(r.name, 'utf8'), superuser ? TRUE_BYTES : FALSE_BYTES, ALL_DATACENTERS_BYTES]);
    }
    return { result: { kind: 'rows', metadata: { columns: LIST_USERS_COLUMNS }, rows, pagingState: null }, warnings: [] };
  };
}

// ---------------------------------------------------------------------------------------------
// GRANT / REVOKE / LIST PERMISSIONS (AllowAllAuthorizer)

/** A resource of a permission statement: how Cassandra prints it, and whether it exists. */
interface Resource {
  readonly display: string;
  /** The keyspace of a keyspace or table resource, else null. */
  readonly dataKeyspace: string | null;
  readonly builtinFunction: boolean;
  /** Existence that the schema at prepare time decides; null for a role (checked at execution). */
  readonly existsInSchema: boolean | null;
  readonly role: string | null;
}

function permissionStatement(auth: AuthService, s: RoleStatement, resource: Resource | null): Run {
  return async (execution) => {
    const actor = await auth.actorOf(execution.session);
    ensureNotAnonymous(actor);
    const exists = async (r: Resource): Promise<boolean> => r.existsInSchema ?? ((await auth.store.getRole(r.role!)) !== null);
    if (s.action === 'listPermissions') {
      if (resource !== null && !(await exists(resource))) throw invalidRequest(`${resource.display} doesn't exist`);
      if (s.grantee !== null && (await auth.store.getRole(s.grantee)) === null) throw invalidRequest(`<role ${s.grantee}> doesn't exist`);
      throw invalidRequest('LIST PERMISSIONS operation is not supported by AllowAllAuthorizer');
    }
    if (resource === null) throw new Error('GRANT and REVOKE always name a resource');
    if (resource.builtinFunction) throw invalidRequest('Altering permissions on builtin functions is not supported');
    if (s.grantee !== null && (await auth.store.getRole(s.grantee)) === null) throw invalidRequest(`Role ${s.grantee} doesn't exist`);
    if (!(await exists(resource))) throw invalidRequest(`Resource ${resource.display} doesn't exist`);
    if (s.action === 'grantPermission' && resource.dataKeyspace !== null && STORED_SYSTEM_KEYSPACES.has(resource.dataKeyspace)
      && (s.permission ?? '').split(', ').some((p) => !SYSTEM_KEYSPACE_GRANTABLE.has(p))) {
      throw unauthorized('Granting permissions on system keyspaces is strictly limited, this operation is not permitted');
    }
    const operation = s.action === 'grantPermission' ? 'GRANT' : 'REVOKE';
    throw serverError(`java.lang.UnsupportedOperationException: ${operation} operation is not supported by AllowAllAuthorizer`);
  };
}

/** System keyspaces on which only SELECT and ALTER may be granted (Cassandra 5.0.9; virtual ones are not limited). */
const STORED_SYSTEM_KEYSPACES: ReadonlySet<string> = new Set(['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces']);
const SYSTEM_KEYSPACE_GRANTABLE: ReadonlySet<string> = new Set(['SELECT', 'ALTER']);

/** Reads one name of the parser's canonical resource text: a bare lower-case word or a "quoted" one. */
function readName(text: string, from: number): { name: string; end: number } {
  if (text[from] === '"') {
    let name = '';
    let i = from + 1;
    while (i < text.length) {
      if (text[i] === '"') {
        if (text[i + 1] === '"') {
          name += '"';
          i += 2;
          continue;
        }
        return { name, end: i + 1 };
      }
      name += text[i];
      i++;
    }
    return { name, end: i };
  }
  const m = /^[A-Za-z0-9_]*/.exec(text.slice(from))!;
  return { name: m[0], end: from + m[0].length };
}

/** A possibly keyspace-qualified name (`ks.name` or `name`) at the start of `text`. */
function readQualified(text: string): { keyspace: string | null; name: string; end: number } {
  const first = readName(text, 0);
  if (text[first.end] !== '.') return { keyspace: null, name: first.name, end: first.end };
  const second = readName(text, first.end + 1);
  return { keyspace: first.name, name: second.name, end: second.end };
}

function parseResource(text: string | null, ctx: PrepareContext): Resource | null {
  if (text === null) return null;
  const schema: SchemaSnapshot = ctx.schema;
  const plain = (display: string, exists: boolean, dataKeyspace: string | null = null): Resource =>
    ({ display, dataKeyspace, builtinFunction: false, existsInSchema: exists, role: null });
  if (text === 'ALL KEYSPACES') return plain('<all keyspaces>', true);
  if (text === 'ALL ROLES') return plain('<all roles>', true);
  if (text === 'ALL FUNCTIONS') return plain('<all functions>', true);
  if (text === 'ALL MBEANS') return plain('<all mbeans>', true);
  if (text.startsWith('ALL FUNCTIONS IN KEYSPACE ')) {
    const ks = readName(text, 'ALL FUNCTIONS IN KEYSPACE '.length).name;
    return plain(`<all functions in ${ks}>`, schema.keyspaces.has(ks));
  }
  if (text.startsWith('KEYSPACE ')) {
    const ks = readName(text, 'KEYSPACE '.length).name;
    return plain(`<keyspace ${ks}>`, schema.keyspaces.has(ks), ks);
  }
  if (text.startsWith('TABLE ')) {
    const q = readQualified(text.slice('TABLE '.length));
    const ks = q.keyspace ?? ctx.sessionKeyspace;
    if (ks === null) throw invalidRequest('No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename');
    const keyspace = schema.keyspaces.get(ks);
    return plain(`<table ${ks}.${q.name}>`, keyspace !== undefined && (keyspace.tables.has(q.name) || keyspace.views.has(q.name)), ks);
  }
  if (text.startsWith('ROLE ')) {
    const role = readName(text, 'ROLE '.length).name;
    return { display: `<role ${role}>`, dataKeyspace: null, builtinFunction: false, existsInSchema: null, role };
  }
  if (text.startsWith('FUNCTION ')) {
    const body = text.slice('FUNCTION '.length);
    const q = readQualified(body);
    const signature = body.slice(q.end);
    if (q.keyspace === null) throw invalidRequest('In this context function name must be explictly qualified by a keyspace');
    const builtin = q.keyspace === 'system';
    const keyspace = schema.keyspaces.get(q.keyspace);
    const arity = signature === '()' ? 0 : signature.split(',').length;
    const exists = keyspace !== undefined && keyspace.functions.some((f) => f.name === q.name && f.argumentTypes.length === arity);
    return { display: `<function ${q.keyspace}.${q.name}${signature}>`, dataKeyspace: null, builtinFunction: builtin, existsInSchema: exists, role: null };
  }
  if (text.startsWith('MBEAN ') || text.startsWith('MBEANS ')) {
    const name = text.slice(text.indexOf(' ') + 1);
    if (!/^[^:]*:[^=]+=.+$/.test(name) && !/^[^:]*:\*$/.test(name)) throw syntaxError(`${name} is not a valid JMX object name`);
    return plain(`<mbean ${name}>`, true);
  }
  throw new CqlError(ErrorCode.SyntaxError, `Unknown resource ${text}`);
}
