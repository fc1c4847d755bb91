// CQL: lexer and parser to AST, statement preparation and execution, functions, system tables.
export type {
  Authenticator, BatchChild, BatchRequest, BoundValue, ClientSession, ColumnSpec, CqlService, PreparedMetadata, QueryOptions,
  QueryResponse, ResultMessage, ResultMetadata, SchemaChangeEvent,
} from './service.ts';
export { UNSET } from './service.ts';
export { parseStatement, parseTypeExpr } from './parser/parser.ts';
export { splitStatements } from './parser/split-statements.ts';
