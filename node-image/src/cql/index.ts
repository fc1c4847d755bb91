// CQL: lexer and parser to AST, statement preparation and execution, functions, system tables.
export type {
  Authenticator, BatchChild, BatchRequest, BoundValue, ClientSession, ColumnSpec, CqlService, PreparedMetadata, QueryOptions,
  QueryResponse, ResultMessage, ResultMetadata, SchemaChangeEvent,
} from './service.ts';
export { UNSET } from './service.ts';
export { parseStatement, parseTypeExpr } from './parser/parser.ts';
export { splitStatements } from './parser/split-statements.ts';
export { CqlServiceImpl, PARSE_CACHE_ENTRIES_MAX, PREPARED_CACHE_ENTRIES_MAX } from './cql-service.ts';
export type { CqlServiceOptions } from './cql-service.ts';
export { DEFAULT_CQL_LIMITS } from './statements/statement-context.ts';
export type { CqlLimits } from './statements/statement-context.ts';
export { AuthService } from './auth/auth-service.ts';
export type { AuthenticatorName, AuthorizerName, AuthServiceOptions } from './auth/auth-service.ts';
export { AuthSetup } from './auth/auth-setup.ts';
export type { AuthSetupOptions, SuperuserCredentials } from './auth/auth-setup.ts';
