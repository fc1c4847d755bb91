// Role, user and permission statements (Parser.g). Role options become properties named
// password, hashed_password, generated_password, login, superuser, options,
// access_to_datacenters, access_from_cidrs. Permissions are upper-case names joined by ", " (or
// ALL); resources are written in one canonical CQL form: ALL KEYSPACES, KEYSPACE ks, TABLE ks.t,
// ALL ROLES, ROLE r, ALL FUNCTIONS [IN KEYSPACE ks], FUNCTION ks.f(int, text), ALL MBEANS,
// MBEAN name, MBEANS pattern.
import type { Property, PropertyValue, RoleStatement } from '../ast.ts';
import type { Cursor } from './cursor.ts';
import { parsePropertyMap } from './ddl-parser.ts';
import { functionName, ifExists, ifNotExists, keyspaceName, roleName, stringValue, tableName, userName } from './names.ts';
import { formatName, formatTypeExpr, parseType } from './type-parser.ts';
import { K, T, isIdentToken } from './tokens.ts';

type RoleAction = RoleStatement['action'];

const TRUE: PropertyValue = { kind: 'constant', type: 'boolean', text: 'true' };
const FALSE: PropertyValue = { kind: 'constant', type: 'boolean', text: 'false' };
const NO_OPTIONS: readonly Property[] = [];

const PERMISSIONS: Readonly<Record<number, string>> = {
  [K.CREATE]: 'CREATE', [K.ALTER]: 'ALTER', [K.DROP]: 'DROP', [K.SELECT]: 'SELECT', [K.MODIFY]: 'MODIFY',
  [K.AUTHORIZE]: 'AUTHORIZE', [K.DESCRIBE]: 'DESCRIBE', [K.EXECUTE]: 'EXECUTE', [K.UNMASK]: 'UNMASK',
  [K.SELECT_MASKED]: 'SELECT_MASKED',
};

/** Permissions each resource level supports (IResource.applicablePermissions in Cassandra). */
const APPLICABLE = {
  keyspaces: ['CREATE', 'ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'UNMASK', 'SELECT_MASKED'],
  table: ['ALTER', 'DROP', 'SELECT', 'MODIFY', 'AUTHORIZE', 'UNMASK', 'SELECT_MASKED'],
  roles: ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'DESCRIBE'],
  role: ['ALTER', 'DROP', 'AUTHORIZE'],
  functions: ['CREATE', 'ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE'],
  function: ['ALTER', 'DROP', 'AUTHORIZE', 'EXECUTE'],
  mbeans: ['AUTHORIZE', 'DESCRIBE', 'EXECUTE', 'MODIFY', 'SELECT'],
} as const;
const RESOURCE_CLASS = {
  keyspaces: 'DataResource', table: 'DataResource', roles: 'RoleResource', role: 'RoleResource',
  functions: 'FunctionResource', function: 'FunctionResource', mbeans: 'JMXResource',
} as const;

interface Resource {
  readonly text: string;
  readonly level: keyof typeof APPLICABLE;
}

function roleStatement(action: RoleAction, fields: Partial<Omit<RoleStatement, 'kind' | 'action'>>): RoleStatement {
  return {
    kind: 'role', action, name: fields.name ?? null, ifNotExists: fields.ifNotExists ?? false,
    ifExists: fields.ifExists ?? false, options: fields.options ?? NO_OPTIONS, permission: fields.permission ?? null,
    resource: fields.resource ?? null, grantee: fields.grantee ?? null,
    ...(fields.noRecursive === true ? { noRecursive: true } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Roles and users

export function parseCreateRole(c: Cursor): RoleStatement {
  c.expect(K.CREATE);
  c.expect(K.ROLE);
  const notExists = ifNotExists(c);
  const name = roleName(c);
  return roleStatement('createRole', { name, ifNotExists: notExists, options: roleOptions(c) });
}

export function parseAlterRole(c: Cursor): RoleStatement {
  c.expect(K.ALTER);
  c.expect(K.ROLE);
  const exists = ifExists(c);
  const name = roleName(c);
  return roleStatement('alterRole', { name, ifExists: exists, options: roleOptions(c) });
}

export function parseDropRole(c: Cursor): RoleStatement {
  c.expect(K.DROP);
  c.expect(K.ROLE);
  const exists = ifExists(c);
  return roleStatement('dropRole', { name: roleName(c), ifExists: exists });
}

/** `[WITH option (AND option)*]`. */
function roleOptions(c: Cursor): Property[] {
  const options: Property[] = [];
  if (!c.accept(K.WITH)) return options;
  do roleOption(c, options); while (c.accept(K.AND));
  return options;
}

function addOption(c: Cursor, options: Property[], name: string, value: PropertyValue): void {
  if (options.some((o) => o.name === name)) c.recognition(`Multiple definition for property ${name.toUpperCase()}`);
  options.push({ name, value });
}

function stringOption(c: Cursor): PropertyValue {
  if (c.peek() !== T.STRING_LITERAL) c.mismatch(T.STRING_LITERAL);
  const text = stringValue(c, c.pos);
  c.advance();
  return { kind: 'constant', type: 'string', text };
}

function booleanOption(c: Cursor): PropertyValue {
  c.expect(T.EQ);
  if (c.peek() !== T.BOOLEAN) c.mismatch(T.BOOLEAN);
  const value = c.raw(c.pos).toLowerCase() === 'true' ? TRUE : FALSE;
  c.advance();
  return value;
}

function roleOption(c: Cursor, options: Property[]): void {
  switch (c.peek()) {
    case K.PASSWORD:
      c.advance();
      c.expect(T.EQ);
      return addOption(c, options, 'password', stringOption(c));
    case K.HASHED:
      c.advance();
      c.expect(K.PASSWORD);
      c.expect(T.EQ);
      return addOption(c, options, 'hashed_password', stringOption(c));
    case K.GENERATED:
      c.advance();
      c.expect(K.PASSWORD);
      return addOption(c, options, 'generated_password', TRUE);
    case K.OPTIONS:
      c.advance();
      c.expect(T.EQ);
      if (c.peek() !== T.LBRACE) c.mismatch(T.LBRACE);
      return addOption(c, options, 'options', parsePropertyMap(c));
    case K.SUPERUSER:
      c.advance();
      return addOption(c, options, 'superuser', booleanOption(c));
    case K.LOGIN:
      c.advance();
      return addOption(c, options, 'login', booleanOption(c));
    case K.ACCESS: {
      c.advance();
      const to = c.accept(K.TO);
      if (!to) c.expect(K.FROM);
      const name = to ? 'access_to_datacenters' : 'access_from_cidrs';
      if (c.accept(K.ALL)) {
        c.expect(to ? K.DATACENTERS : K.CIDRS);
        return addOption(c, options, name, { kind: 'identifier', name: 'all' });
      }
      c.expect(to ? K.DATACENTERS : K.CIDRS);
      c.expect(T.LBRACE);
      const entries: Array<readonly [string, PropertyValue]> = [];
      do {
        const value = stringOption(c);
        entries.push([(value as { text: string }).text, value]);
      } while (c.accept(T.COMMA));
      c.expect(T.RBRACE);
      return addOption(c, options, name, { kind: 'map', entries });
    }
    default:
      return c.noViable();
  }
}

export function parseCreateUser(c: Cursor): RoleStatement {
  c.expect(K.CREATE);
  c.expect(K.USER);
  const notExists = ifNotExists(c);
  const name = userName(c);
  return roleStatement('createUser', { name, ifNotExists: notExists, options: userOptions(c) });
}

export function parseAlterUser(c: Cursor): RoleStatement {
  c.expect(K.ALTER);
  c.expect(K.USER);
  const exists = ifExists(c);
  const name = userName(c);
  return roleStatement('alterUser', { name, ifExists: exists, options: userOptions(c) });
}

export function parseDropUser(c: Cursor): RoleStatement {
  c.expect(K.DROP);
  c.expect(K.USER);
  const exists = ifExists(c);
  return roleStatement('dropUser', { name: userName(c), ifExists: exists });
}

/** `[WITH [HASHED] PASSWORD 'p' | WITH GENERATED PASSWORD] [SUPERUSER | NOSUPERUSER]` (no `=`). */
function userOptions(c: Cursor): Property[] {
  const options: Property[] = [];
  if (c.accept(K.WITH)) {
    if (c.accept(K.PASSWORD)) {
      addOption(c, options, 'password', stringOption(c));
    } else if (c.accept(K.HASHED)) {
      c.expect(K.PASSWORD);
      addOption(c, options, 'hashed_password', stringOption(c));
    } else if (c.accept(K.GENERATED)) {
      c.expect(K.PASSWORD);
      addOption(c, options, 'generated_password', TRUE);
    } else {
      c.noViable();
    }
  }
  if (c.accept(K.SUPERUSER)) addOption(c, options, 'superuser', TRUE);
  else if (c.accept(K.NOSUPERUSER)) addOption(c, options, 'superuser', FALSE);
  return options;
}

// ---------------------------------------------------------------------------------------------
// GRANT, REVOKE, LIST

/** True when GRANT/REVOKE/LIST at the current token is about permissions rather than roles. */
function isPermissionStatement(c: Cursor): boolean {
  const t = c.la(2);
  if (PERMISSIONS[t] !== undefined) return true;
  if (t !== K.ALL) return false;
  const after = c.la(3);
  return after === K.ON || after === K.PERMISSIONS || after === T.EOF || after === T.SEMI || after === K.OF
    || after === K.NORECURSIVE;
}

export function parseGrant(c: Cursor): RoleStatement {
  return grantOrRevoke(c, K.GRANT, K.TO);
}

export function parseRevoke(c: Cursor): RoleStatement {
  return grantOrRevoke(c, K.REVOKE, K.FROM);
}

function grantOrRevoke(c: Cursor, verb: number, preposition: number): RoleStatement {
  const isGrant = verb === K.GRANT;
  if (!isPermissionStatement(c)) {
    c.expect(verb);
    const name = roleName(c);
    c.expect(preposition);
    return roleStatement(isGrant ? 'grantRole' : 'revokeRole', { name, grantee: roleName(c) });
  }
  c.expect(verb);
  const permissions = permissionOrAll(c);
  c.expect(K.ON);
  const resource = parseResource(c);
  c.expect(preposition);
  const grantee = roleName(c);
  return roleStatement(isGrant ? 'grantPermission' : 'revokePermission', {
    permission: applicablePermissions(c, permissions, resource), resource: resource.text, grantee,
  });
}

/** Cassandra's filterPermissions: keep those the resource supports; none left is an error. */
function applicablePermissions(c: Cursor, permissions: readonly string[] | 'ALL', resource: Resource): string {
  if (permissions === 'ALL') return 'ALL';
  const applicable: readonly string[] = APPLICABLE[resource.level];
  const kept = permissions.filter((p) => applicable.includes(p));
  if (kept.length === 0) {
    c.recognition(`Resource type ${RESOURCE_CLASS[resource.level]} does not support any of the requested permissions`);
  }
  return kept.join(', ');
}

/** ALL [PERMISSIONS] | permission [PERMISSION] (, permission [PERMISSION])*. */
function permissionOrAll(c: Cursor): string[] | 'ALL' {
  if (c.accept(K.ALL)) {
    c.accept(K.PERMISSIONS);
    return 'ALL';
  }
  const permissions: string[] = [];
  do {
    const p = PERMISSIONS[c.peek()];
    if (p === undefined) c.noViable();
    c.advance();
    c.accept(K.PERMISSION);
    if (!permissions.includes(p)) permissions.push(p);
  } while (c.accept(T.COMMA));
  return permissions;
}

function parseResource(c: Cursor): Resource {
  const t = c.peek();
  const next = c.la(2);
  switch (t) {
    case K.ALL:
      if (next === K.KEYSPACES) return consumed(c, 2, { text: 'ALL KEYSPACES', level: 'keyspaces' });
      if (next === K.ROLES) return consumed(c, 2, { text: 'ALL ROLES', level: 'roles' });
      if (next === K.MBEANS) return consumed(c, 2, { text: 'ALL MBEANS', level: 'mbeans' });
      if (next === K.FUNCTIONS) {
        c.advance();
        c.advance();
        if (!c.accept(K.IN)) return { text: 'ALL FUNCTIONS', level: 'functions' };
        c.expect(K.KEYSPACE);
        return { text: `ALL FUNCTIONS IN KEYSPACE ${formatName(keyspaceName(c))}`, level: 'functions' };
      }
      break;
    case K.KEYSPACE:
      c.advance();
      return { text: `KEYSPACE ${formatName(keyspaceName(c))}`, level: 'keyspaces' };
    case K.COLUMNFAMILY:
      c.advance();
      return tableResource(c);
    case K.ROLE:
      if (next === T.DOT || next === K.TO || next === K.FROM || next === K.OF) break;
      c.advance();
      return { text: `ROLE ${formatName(roleName(c))}`, level: 'role' };
    case K.FUNCTION:
      if (next === T.DOT || next === K.TO || next === K.FROM || next === K.OF) break;
      c.advance();
      return functionResource(c);
    case K.MBEAN: case K.MBEANS:
      if (next !== T.STRING_LITERAL) break;
      c.advance();
      {
        const name = stringValue(c, c.pos);
        c.advance();
        return t === K.MBEAN ? { text: `MBEAN ${name}`, level: 'mbeans' } : { text: `MBEANS ${name}`, level: 'mbeans' };
      }
    default:
      break;
  }
  if (!isIdentToken(t) && t !== T.QMARK) c.noViable();
  return tableResource(c);
}

function consumed(c: Cursor, tokens: number, resource: Resource): Resource {
  for (let i = 0; i < tokens; i++) c.advance();
  return resource;
}

function tableResource(c: Cursor): Resource {
  const name = tableName(c);
  const text = name.keyspace === null ? formatName(name.name) : `${formatName(name.keyspace)}.${formatName(name.name)}`;
  return { text: `TABLE ${text}`, level: 'table' };
}

function functionResource(c: Cursor): Resource {
  const name = functionName(c);
  c.expect(T.LPAREN);
  const types: string[] = [];
  if (!c.accept(T.RPAREN)) {
    do types.push(formatTypeExpr(parseType(c))); while (c.accept(T.COMMA));
    c.expect(T.RPAREN);
  }
  const qualified = name.keyspace === null ? formatName(name.name) : `${formatName(name.keyspace)}.${formatName(name.name)}`;
  return { text: `FUNCTION ${qualified}(${types.join(', ')})`, level: 'function' };
}

/** LIST ROLES | LIST USERS | LIST <permissions> [ON resource] [OF role] [NORECURSIVE]. */
export function parseList(c: Cursor): RoleStatement {
  const next = c.la(2);
  if (next === K.USERS) {
    c.advance();
    c.advance();
    return roleStatement('listUsers', {});
  }
  if (next === K.ROLES) {
    c.advance();
    c.advance();
    const grantee = c.accept(K.OF) ? roleName(c) : null;
    const noRecursive = c.accept(K.NORECURSIVE);
    return roleStatement('listRoles', { grantee, noRecursive });
  }
  if (next === K.SUPERUSERS) c.unsupported('LIST SUPERUSERS');
  if (next !== K.ALL && PERMISSIONS[next] === undefined) c.noViable(c.pos + 1, c.pos);
  c.advance();
  const permissions = permissionOrAll(c);
  const resource = c.accept(K.ON) ? parseResource(c).text : null;
  const grantee = c.accept(K.OF) ? roleName(c) : null;
  const noRecursive = c.accept(K.NORECURSIVE);
  return roleStatement('listPermissions', {
    permission: permissions === 'ALL' ? 'ALL' : permissions.join(', '), resource, grantee, noRecursive,
  });
}
