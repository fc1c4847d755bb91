// CQL token types, their display names (as Cassandra's ANTLR grammar names them in error
// messages) and the keyword table. Keywords are case-insensitive; only the *reserved* ones may not
// be used as identifiers (Cassandra's reserved_keywords.txt); every other keyword is one of the
// unreserved classes below, exactly as Parser.g's basic_unreserved_keyword / native_type /
// unreserved_keyword rules group them.
import { assert } from '../../lib/index.ts';

export const T = {
  EOF: 0,
  IDENT: 1,
  QUOTED_NAME: 2,
  EMPTY_QUOTED_NAME: 3,
  STRING_LITERAL: 4,
  INTEGER: 5,
  FLOAT: 6,
  BOOLEAN: 7,
  DURATION: 8,
  UUID: 9,
  HEXNUMBER: 10,
  QMARK: 11,
  RANGE: 12,
  LPAREN: 13,
  RPAREN: 14,
  LBRACKET: 15,
  RBRACKET: 16,
  LBRACE: 17,
  RBRACE: 18,
  COMMA: 19,
  SEMI: 20,
  DOT: 21,
  STAR: 22,
  SLASH: 23,
  PERCENT: 24,
  PLUS: 25,
  MINUS: 26,
  EQ: 27,
  LT: 28,
  LTE: 29,
  GT: 30,
  GTE: 31,
  NEQ: 32,
  COLON: 33,
  PLUS_EQ: 34,
  MINUS_EQ: 35,
} as const;

/** First keyword token type; keyword types are KEYWORD_BASE + position in KEYWORDS. */
const KEYWORD_BASE = 40;

/** Keyword classes (bit flags). A keyword with no unreserved flag is reserved. */
export const KW = {
  RESERVED: 1,
  /** basic_unreserved_keyword: usable as any identifier, type name and function name. */
  BASIC: 2,
  /** native_type: usable as identifier and function name, not as a user type name. */
  NATIVE: 4,
  /** TTL COUNT WRITETIME MAXWRITETIME KEY CAST JSON DISTINCT: identifiers only. */
  EXTRA: 8,
} as const;

/** [token name without K_, class, spellings...]. Order fixes the token type numbers. */
const KEYWORDS: ReadonlyArray<readonly [string, number, ...string[]]> = [
  // Reserved (Cassandra 4.x/5.0 reserved_keywords.txt).
  ['ADD', KW.RESERVED], ['ALLOW', KW.RESERVED], ['ALTER', KW.RESERVED], ['AND', KW.RESERVED],
  ['APPLY', KW.RESERVED], ['ASC', KW.RESERVED], ['AUTHORIZE', KW.RESERVED], ['BATCH', KW.RESERVED],
  ['BEGIN', KW.RESERVED], ['BY', KW.RESERVED], ['COLUMNFAMILY', KW.RESERVED, 'columnfamily', 'table'],
  ['CREATE', KW.RESERVED], ['DELETE', KW.RESERVED], ['DESC', KW.RESERVED], ['DESCRIBE', KW.RESERVED],
  ['DROP', KW.RESERVED], ['ENTRIES', KW.RESERVED], ['EXECUTE', KW.RESERVED], ['FROM', KW.RESERVED],
  ['FULL', KW.RESERVED], ['GRANT', KW.RESERVED], ['IF', KW.RESERVED], ['IN', KW.RESERVED],
  ['INDEX', KW.RESERVED], ['POSITIVE_INFINITY', KW.RESERVED, 'infinity'], ['INSERT', KW.RESERVED],
  ['INTO', KW.RESERVED], ['IS', KW.RESERVED], ['KEYSPACE', KW.RESERVED, 'keyspace', 'schema'],
  ['LIMIT', KW.RESERVED], ['MATERIALIZED', KW.RESERVED], ['MODIFY', KW.RESERVED],
  ['POSITIVE_NAN', KW.RESERVED, 'nan'], ['NORECURSIVE', KW.RESERVED], ['NOT', KW.RESERVED],
  ['NULL', KW.RESERVED], ['OF', KW.RESERVED], ['ON', KW.RESERVED], ['OR', KW.RESERVED],
  ['ORDER', KW.RESERVED], ['PRIMARY', KW.RESERVED], ['RENAME', KW.RESERVED], ['REVOKE', KW.RESERVED],
  ['SELECT', KW.RESERVED], ['SET', KW.RESERVED], ['TO', KW.RESERVED], ['TOKEN', KW.RESERVED],
  ['TRUNCATE', KW.RESERVED], ['UNLOGGED', KW.RESERVED], ['UPDATE', KW.RESERVED], ['USE', KW.RESERVED],
  ['USING', KW.RESERVED], ['VIEW', KW.RESERVED], ['WHERE', KW.RESERVED], ['WITH', KW.RESERVED],
  // native_type
  ['ASCII', KW.NATIVE], ['BIGINT', KW.NATIVE], ['BLOB', KW.NATIVE], ['BOOLEAN', KW.NATIVE],
  ['COUNTER', KW.NATIVE], ['DECIMAL', KW.NATIVE], ['DOUBLE', KW.NATIVE], ['DURATION', KW.NATIVE],
  ['FLOAT', KW.NATIVE], ['INET', KW.NATIVE], ['INT', KW.NATIVE], ['SMALLINT', KW.NATIVE], ['TEXT', KW.NATIVE],
  ['TIMESTAMP', KW.NATIVE], ['TINYINT', KW.NATIVE], ['UUID', KW.NATIVE], ['VARCHAR', KW.NATIVE],
  ['VARINT', KW.NATIVE], ['TIMEUUID', KW.NATIVE], ['DATE', KW.NATIVE], ['TIME', KW.NATIVE],
  // unreserved_keyword extras
  ['TTL', KW.EXTRA], ['COUNT', KW.EXTRA], ['WRITETIME', KW.EXTRA], ['MAXWRITETIME', KW.EXTRA],
  ['KEY', KW.EXTRA], ['CAST', KW.EXTRA], ['JSON', KW.EXTRA], ['DISTINCT', KW.EXTRA],
  // basic_unreserved_keyword
  ['KEYS', KW.BASIC], ['AS', KW.BASIC], ['CLUSTER', KW.BASIC], ['CLUSTERING', KW.BASIC], ['COMPACT', KW.BASIC],
  ['STORAGE', KW.BASIC], ['TABLES', KW.BASIC, 'tables', 'columnfamilies'], ['TYPE', KW.BASIC], ['TYPES', KW.BASIC],
  ['VALUES', KW.BASIC], ['MAP', KW.BASIC], ['LIST', KW.BASIC], ['FILTERING', KW.BASIC], ['PERMISSION', KW.BASIC],
  ['PERMISSIONS', KW.BASIC], ['KEYSPACES', KW.BASIC], ['ALL', KW.BASIC], ['USER', KW.BASIC], ['USERS', KW.BASIC],
  ['ROLE', KW.BASIC], ['ROLES', KW.BASIC], ['IDENTITY', KW.BASIC], ['SUPERUSER', KW.BASIC], ['SUPERUSERS', KW.BASIC],
  ['NOSUPERUSER', KW.BASIC], ['LOGIN', KW.BASIC], ['NOLOGIN', KW.BASIC], ['OPTIONS', KW.BASIC], ['PASSWORD', KW.BASIC],
  ['GENERATED', KW.BASIC], ['HASHED', KW.BASIC], ['EXISTS', KW.BASIC], ['CUSTOM', KW.BASIC], ['TRIGGER', KW.BASIC],
  ['CONTAINS', KW.BASIC], ['INTERNALS', KW.BASIC], ['ONLY', KW.BASIC], ['STATIC', KW.BASIC], ['FROZEN', KW.BASIC],
  ['TUPLE', KW.BASIC], ['FUNCTION', KW.BASIC], ['FUNCTIONS', KW.BASIC], ['AGGREGATE', KW.BASIC],
  ['AGGREGATES', KW.BASIC], ['SFUNC', KW.BASIC], ['STYPE', KW.BASIC], ['FINALFUNC', KW.BASIC], ['INITCOND', KW.BASIC],
  ['RETURNS', KW.BASIC], ['LANGUAGE', KW.BASIC], ['CALLED', KW.BASIC], ['INPUT', KW.BASIC], ['LIKE', KW.BASIC],
  ['PER', KW.BASIC], ['PARTITION', KW.BASIC], ['GROUP', KW.BASIC], ['DATACENTERS', KW.BASIC], ['CIDRS', KW.BASIC],
  ['ACCESS', KW.BASIC], ['DEFAULT', KW.BASIC], ['MBEAN', KW.BASIC], ['MBEANS', KW.BASIC], ['REPLACE', KW.BASIC],
  ['UNSET', KW.BASIC], ['MASKED', KW.BASIC], ['UNMASK', KW.BASIC], ['SELECT_MASKED', KW.BASIC], ['VECTOR', KW.BASIC],
  ['ANN', KW.BASIC], ['BETWEEN', KW.BASIC],
];

function keywordType(name: string): number {
  const i = KEYWORDS.findIndex((k) => k[0] === name);
  assert(i >= 0, `unknown keyword ${name}`);
  return KEYWORD_BASE + i;
}

/** Keyword token types, by name without the K_ prefix. */
export const K = {
  ADD: keywordType('ADD'), ALLOW: keywordType('ALLOW'), ALTER: keywordType('ALTER'), AND: keywordType('AND'),
  APPLY: keywordType('APPLY'), ASC: keywordType('ASC'), AUTHORIZE: keywordType('AUTHORIZE'), BATCH: keywordType('BATCH'),
  BEGIN: keywordType('BEGIN'), BY: keywordType('BY'), COLUMNFAMILY: keywordType('COLUMNFAMILY'),
  CREATE: keywordType('CREATE'), DELETE: keywordType('DELETE'), DESC: keywordType('DESC'),
  DESCRIBE: keywordType('DESCRIBE'), DROP: keywordType('DROP'), ENTRIES: keywordType('ENTRIES'),
  EXECUTE: keywordType('EXECUTE'), FROM: keywordType('FROM'), FULL: keywordType('FULL'), GRANT: keywordType('GRANT'),
  IF: keywordType('IF'), IN: keywordType('IN'), INDEX: keywordType('INDEX'),
  POSITIVE_INFINITY: keywordType('POSITIVE_INFINITY'), INSERT: keywordType('INSERT'), INTO: keywordType('INTO'),
  IS: keywordType('IS'), KEYSPACE: keywordType('KEYSPACE'), LIMIT: keywordType('LIMIT'),
  MATERIALIZED: keywordType('MATERIALIZED'), MODIFY: keywordType('MODIFY'), POSITIVE_NAN: keywordType('POSITIVE_NAN'),
  NORECURSIVE: keywordType('NORECURSIVE'), NOT: keywordType('NOT'), NULL: keywordType('NULL'), OF: keywordType('OF'),
  ON: keywordType('ON'), OR: keywordType('OR'), ORDER: keywordType('ORDER'), PRIMARY: keywordType('PRIMARY'),
  RENAME: keywordType('RENAME'), REVOKE: keywordType('REVOKE'), SELECT: keywordType('SELECT'), SET: keywordType('SET'),
  TO: keywordType('TO'), TOKEN: keywordType('TOKEN'), TRUNCATE: keywordType('TRUNCATE'),
  UNLOGGED: keywordType('UNLOGGED'), UPDATE: keywordType('UPDATE'), USE: keywordType('USE'), USING: keywordType('USING'),
  VIEW: keywordType('VIEW'), WHERE: keywordType('WHERE'), WITH: keywordType('WITH'),
  TTL: keywordType('TTL'), COUNT: keywordType('COUNT'), WRITETIME: keywordType('WRITETIME'),
  MAXWRITETIME: keywordType('MAXWRITETIME'), KEY: keywordType('KEY'), CAST: keywordType('CAST'),
  JSON: keywordType('JSON'), DISTINCT: keywordType('DISTINCT'),
  KEYS: keywordType('KEYS'), AS: keywordType('AS'), CLUSTERING: keywordType('CLUSTERING'),
  COMPACT: keywordType('COMPACT'), STORAGE: keywordType('STORAGE'), TYPE: keywordType('TYPE'),
  VALUES: keywordType('VALUES'), MAP: keywordType('MAP'), LIST: keywordType('LIST'), FILTERING: keywordType('FILTERING'),
  PERMISSION: keywordType('PERMISSION'), PERMISSIONS: keywordType('PERMISSIONS'), KEYSPACES: keywordType('KEYSPACES'),
  ALL: keywordType('ALL'), USER: keywordType('USER'), USERS: keywordType('USERS'), ROLE: keywordType('ROLE'),
  ROLES: keywordType('ROLES'), IDENTITY: keywordType('IDENTITY'), SUPERUSER: keywordType('SUPERUSER'),
  SUPERUSERS: keywordType('SUPERUSERS'), NOSUPERUSER: keywordType('NOSUPERUSER'), LOGIN: keywordType('LOGIN'),
  OPTIONS: keywordType('OPTIONS'), PASSWORD: keywordType('PASSWORD'), GENERATED: keywordType('GENERATED'),
  HASHED: keywordType('HASHED'), EXISTS: keywordType('EXISTS'), CUSTOM: keywordType('CUSTOM'),
  TRIGGER: keywordType('TRIGGER'), CONTAINS: keywordType('CONTAINS'), STATIC: keywordType('STATIC'),
  FROZEN: keywordType('FROZEN'), TUPLE: keywordType('TUPLE'), FUNCTION: keywordType('FUNCTION'),
  FUNCTIONS: keywordType('FUNCTIONS'), AGGREGATE: keywordType('AGGREGATE'), SFUNC: keywordType('SFUNC'),
  STYPE: keywordType('STYPE'), FINALFUNC: keywordType('FINALFUNC'), INITCOND: keywordType('INITCOND'),
  RETURNS: keywordType('RETURNS'), LANGUAGE: keywordType('LANGUAGE'), CALLED: keywordType('CALLED'),
  INPUT: keywordType('INPUT'), LIKE: keywordType('LIKE'), PER: keywordType('PER'), PARTITION: keywordType('PARTITION'),
  GROUP: keywordType('GROUP'), DATACENTERS: keywordType('DATACENTERS'), ACCESS: keywordType('ACCESS'),
  DEFAULT: keywordType('DEFAULT'), MBEAN: keywordType('MBEAN'), MBEANS: keywordType('MBEANS'),
  REPLACE: keywordType('REPLACE'), UNSET: keywordType('UNSET'), UNMASK: keywordType('UNMASK'),
  SELECT_MASKED: keywordType('SELECT_MASKED'), VECTOR: keywordType('VECTOR'), CIDRS: keywordType('CIDRS'),
  ASCII: keywordType('ASCII'), BIGINT: keywordType('BIGINT'), BLOB: keywordType('BLOB'), BOOLEAN: keywordType('BOOLEAN'),
  COUNTER: keywordType('COUNTER'), DECIMAL: keywordType('DECIMAL'), DOUBLE: keywordType('DOUBLE'),
  DURATION: keywordType('DURATION'), FLOAT: keywordType('FLOAT'), INET: keywordType('INET'), INT: keywordType('INT'),
  SMALLINT: keywordType('SMALLINT'), TEXT: keywordType('TEXT'), TIMESTAMP: keywordType('TIMESTAMP'),
  TINYINT: keywordType('TINYINT'), UUID: keywordType('UUID'), VARCHAR: keywordType('VARCHAR'),
  VARINT: keywordType('VARINT'), TIMEUUID: keywordType('TIMEUUID'), DATE: keywordType('DATE'), TIME: keywordType('TIME'),
  /** `-NaN` and `-Infinity` are single tokens in Cassandra's lexer. */
  NEGATIVE_NAN: KEYWORD_BASE + KEYWORDS.length,
  NEGATIVE_INFINITY: KEYWORD_BASE + KEYWORDS.length + 1,
} as const;

/** Number of token types; arrays indexed by token type have this length. */
export const TOKEN_TYPE_COUNT = KEYWORD_BASE + KEYWORDS.length + 2;

/** Keyword class flags by token type (0 for non-keywords). */
export const KEYWORD_CLASS: Uint8Array = (() => {
  const classes = new Uint8Array(TOKEN_TYPE_COUNT);
  KEYWORDS.forEach((k, i) => { classes[KEYWORD_BASE + i] = k[1]; });
  classes[K.NEGATIVE_NAN] = KW.RESERVED;
  classes[K.NEGATIVE_INFINITY] = KW.RESERVED;
  return classes;
})();

/** Lower-case spelling -> keyword token type (`true`/`false` lex as BOOLEAN, not here). */
export const KEYWORD_BY_SPELLING: ReadonlyMap<string, number> = (() => {
  const map = new Map<string, number>();
  KEYWORDS.forEach((k, i) => {
    const spellings = k.length > 2 ? (k.slice(2) as string[]) : [k[0].toLowerCase()];
    for (const s of spellings) map.set(s, KEYWORD_BASE + i);
  });
  return map;
})();

/** Token names as ANTLR prints them after "expecting" (K_FROM, IDENT, ')', EOF). */
export const TOKEN_NAMES: readonly string[] = (() => {
  const names: string[] = new Array<string>(TOKEN_TYPE_COUNT).fill('<invalid>');
  const fixed: Record<number, string> = {
    [T.EOF]: 'EOF', [T.IDENT]: 'IDENT', [T.QUOTED_NAME]: 'QUOTED_NAME', [T.EMPTY_QUOTED_NAME]: 'EMPTY_QUOTED_NAME',
    [T.STRING_LITERAL]: 'STRING_LITERAL', [T.INTEGER]: 'INTEGER', [T.FLOAT]: 'FLOAT', [T.BOOLEAN]: 'BOOLEAN',
    [T.DURATION]: 'DURATION', [T.UUID]: 'UUID', [T.HEXNUMBER]: 'HEXNUMBER', [T.QMARK]: 'QMARK', [T.RANGE]: 'RANGE',
    [T.LPAREN]: "'('", [T.RPAREN]: "')'", [T.LBRACKET]: "'['", [T.RBRACKET]: "']'", [T.LBRACE]: "'{'",
    [T.RBRACE]: "'}'", [T.COMMA]: "','", [T.SEMI]: "';'", [T.DOT]: "'.'", [T.STAR]: "'*'", [T.SLASH]: "'/'",
    [T.PERCENT]: "'%'", [T.PLUS]: "'+'", [T.MINUS]: "'-'", [T.EQ]: "'='", [T.LT]: "'<'", [T.LTE]: "'<='",
    [T.GT]: "'>'", [T.GTE]: "'>='", [T.NEQ]: "'!='", [T.COLON]: "':'", [T.PLUS_EQ]: "'+='", [T.MINUS_EQ]: "'-='",
  };
  for (const [type, name] of Object.entries(fixed)) names[Number(type)] = name;
  KEYWORDS.forEach((k, i) => { names[KEYWORD_BASE + i] = `K_${k[0]}`; });
  names[K.NEGATIVE_NAN] = 'K_NEGATIVE_NAN';
  names[K.NEGATIVE_INFINITY] = 'K_NEGATIVE_INFINITY';
  return names;
})();

/** True for IDENT, QUOTED_NAME and unreserved keywords (Parser.g `ident`, `noncol_ident`, `fident`). */
export function isIdentToken(type: number): boolean {
  return type === T.IDENT || type === T.QUOTED_NAME || (KEYWORD_CLASS[type]! & (KW.BASIC | KW.NATIVE | KW.EXTRA)) !== 0;
}

/** Parser.g `allowedFunctionName`: IDENT, QUOTED_NAME, basic unreserved and native-type keywords, TOKEN, COUNT. */
export function isFunctionNameToken(type: number): boolean {
  return type === T.IDENT || type === T.QUOTED_NAME || type === K.TOKEN || type === K.COUNT
    || (KEYWORD_CLASS[type]! & (KW.BASIC | KW.NATIVE)) !== 0;
}

/** Parser.g `non_type_ident`: IDENT, QUOTED_NAME, basic unreserved keywords and KEY. */
export function isNonTypeIdentToken(type: number): boolean {
  return type === T.IDENT || type === T.QUOTED_NAME || type === K.KEY || (KEYWORD_CLASS[type]! & KW.BASIC) !== 0;
}

export function isNativeTypeToken(type: number): boolean {
  return (KEYWORD_CLASS[type]! & KW.NATIVE) !== 0;
}

export function isKeywordToken(type: number): boolean {
  return KEYWORD_CLASS[type]! !== 0;
}

/** Tokens that are constants in Parser.g's `constant` rule. */
export function isConstantToken(type: number): boolean {
  return (type >= T.STRING_LITERAL && type <= T.HEXNUMBER) || type === K.POSITIVE_NAN || type === K.NEGATIVE_NAN
    || type === K.POSITIVE_INFINITY || type === K.NEGATIVE_INFINITY;
}

/** Relation operators of Parser.g's `relationType`. */
export function isRelationTypeToken(type: number): boolean {
  return type === T.EQ || (type >= T.LT && type <= T.NEQ);
}
