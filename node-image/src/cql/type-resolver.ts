// Turns type expressions as written (TypeExpr) into CqlTypes, applying Cassandra's rules:
// aliases, implicit freezing inside frozen<> and tuples, no non-frozen collections or UDTs inside
// collections, no counters inside collections, UDTs resolved in the statement's keyspace.
import { invalidRequest } from '../lib/index.ts';
import type { CqlType, NativeTypeName, UserTypeMetadata } from '../schema/index.ts';
import { NATIVE_TYPE_NAMES } from '../schema/index.ts';
import type { TypeExpr } from './ast.ts';

export interface TypeScope {
  readonly keyspace: string;
  readonly types: ReadonlyMap<string, UserTypeMetadata>;
}

const ALIASES: Readonly<Record<string, NativeTypeName>> = { varchar: 'text' };

export function nativeTypeName(name: string): NativeTypeName | null {
  const lower = name.toLowerCase();
  if (ALIASES[lower] !== undefined) return ALIASES[lower];
  return (NATIVE_TYPE_NAMES as readonly string[]).includes(lower) ? (lower as NativeTypeName) : null;
}

/** Writes a type expression back as CQL (for error messages). */
export function typeExprToString(expr: TypeExpr): string {
  switch (expr.kind) {
    case 'native': return expr.name;
    case 'list': return `list<${typeExprToString(expr.element)}>`;
    case 'set': return `set<${typeExprToString(expr.element)}>`;
    case 'map': return `map<${typeExprToString(expr.key)}, ${typeExprToString(expr.value)}>`;
    case 'tuple': return `tuple<${expr.elements.map(typeExprToString).join(', ')}>`;
    case 'frozen': return `frozen<${typeExprToString(expr.inner)}>`;
    case 'udt': return expr.keyspace === null ? expr.name : `${expr.keyspace}.${expr.name}`;
    case 'custom': return `'${expr.className}'`;
  }
}

export function resolveType(expr: TypeExpr, scope: TypeScope): CqlType {
  return resolve(expr, scope, false, false);
}

function resolve(expr: TypeExpr, scope: TypeScope, frozen: boolean, insideCollection: boolean): CqlType {
  switch (expr.kind) {
    case 'native': {
      const name = nativeTypeName(expr.name);
      if (name === null) return resolveUdt({ kind: 'udt', keyspace: null, name: expr.name }, scope, frozen, insideCollection);
      if (name === 'counter' && insideCollection) {
        throw invalidRequest(`Counters are not allowed inside collections: ${typeExprToString(expr)}`);
      }
      return { kind: 'native', name };
    }
    case 'frozen':
      if (expr.inner.kind === 'native' && nativeTypeName(expr.inner.name) !== null) {
        throw invalidRequest(`frozen<> is only allowed on collections, tuples, and user-defined types (got ${typeExprToString(expr.inner)})`);
      }
      return resolve(expr.inner, scope, true, insideCollection);
    case 'list':
    case 'set': {
      checkNestedFrozen(expr.element, frozen, expr);
      const element = resolve(expr.element, scope, true, true);
      return { kind: expr.kind, element, frozen };
    }
    case 'map': {
      checkNestedFrozen(expr.key, frozen, expr);
      checkNestedFrozen(expr.value, frozen, expr);
      return { kind: 'map', key: resolve(expr.key, scope, true, true), value: resolve(expr.value, scope, true, true), frozen };
    }
    case 'tuple':
      return { kind: 'tuple', elements: expr.elements.map((e) => resolve(e, scope, true, true)) };
    case 'udt':
      return resolveUdt(expr, scope, frozen, insideCollection);
    case 'custom':
      if (expr.className === 'org.apache.cassandra.db.marshal.DurationType') return { kind: 'native', name: 'duration' };
      return { kind: 'custom', className: expr.className };
  }
}

function checkNestedFrozen(inner: TypeExpr, frozen: boolean, outer: TypeExpr): void {
  if (frozen) return;
  if (inner.kind === 'list' || inner.kind === 'set' || inner.kind === 'map') {
    throw invalidRequest(`Non-frozen collections are not allowed inside collections: ${typeExprToString(outer)}`);
  }
  if (inner.kind === 'udt' || (inner.kind === 'native' && nativeTypeNameOrNull(inner.name) === null)) {
    throw invalidRequest(`Non-frozen UDTs are not allowed inside collections: ${typeExprToString(outer)}`);
  }
}

function nativeTypeNameOrNull(name: string): NativeTypeName | null {
  return nativeTypeName(name);
}

function resolveUdt(expr: Extract<TypeExpr, { kind: 'udt' }>, scope: TypeScope, frozen: boolean, insideCollection: boolean): CqlType {
  if (expr.keyspace !== null && expr.keyspace !== scope.keyspace) {
    throw invalidRequest(`Statement on keyspace ${scope.keyspace} cannot refer to a user type in keyspace ${expr.keyspace}; user types can only be used in the keyspace they are defined in`);
  }
  const udt = scope.types.get(expr.name);
  if (udt === undefined) throw invalidRequest(`Unknown type ${scope.keyspace}.${expr.name}`);
  return {
    kind: 'udt',
    keyspace: udt.keyspace,
    name: udt.name,
    fieldNames: udt.fieldNames,
    fieldTypes: udt.fieldTypes,
    frozen: frozen || insideCollection,
  };
}

/** Two types accept the same serialized values (for ALTER TYPE checks, function arguments). */
export function typesEqual(a: CqlType, b: CqlType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'native': return a.name === (b as typeof a).name;
    case 'list':
    case 'set': {
      const o = b as typeof a;
      return a.frozen === o.frozen && typesEqual(a.element, o.element);
    }
    case 'map': {
      const o = b as typeof a;
      return a.frozen === o.frozen && typesEqual(a.key, o.key) && typesEqual(a.value, o.value);
    }
    case 'tuple': {
      const o = b as typeof a;
      return a.elements.length === o.elements.length && a.elements.every((e, i) => typesEqual(e, o.elements[i]!));
    }
    case 'udt': {
      const o = b as typeof a;
      return a.keyspace === o.keyspace && a.name === o.name && a.frozen === o.frozen;
    }
    case 'custom': return a.className === (b as typeof a).className;
  }
}

/** Same type ignoring frozenness at the top (a frozen value can be compared with a non-frozen column). */
export function typesCompatible(a: CqlType, b: CqlType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'list' || a.kind === 'set' || a.kind === 'map' || a.kind === 'udt') {
    return typesEqual({ ...a, frozen: true } as CqlType, { ...b, frozen: true } as CqlType);
  }
  return typesEqual(a, b);
}
