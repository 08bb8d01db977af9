/**
 * fp-lite-orm: a functional query DSL for SQLite.
 *
 * Read this file top-down to find your way: schema (tables and columns) -> query values
 * (select, insert, expressions, functions, the compiler) -> connections -> sessions.
 * It only re-exports.
 */

// errors
export type {
  DbError,
  SqliteError,
  ConstraintError,
  ConstraintKind,
  BusyError,
  ConnectionError,
  ValidationError,
  DecodeError,
  DecodeIssue,
  NotFound,
  TooManyRows,
  MigrationError,
  UnexpectedError
} from './errors.js'
export { isDbError } from './errors.js'

// schema
export type {
  AnyColumn,
  Column,
  ColumnBuilder,
  ColumnKind,
  ColumnRef,
  ColumnValue,
  ReferenceAction,
  ReferenceOptions,
  SqlValue,
  IntegerMode,
  IntegerOptions,
  Refs,
  RefsOf,
  TimestampBuilder,
  Typed,
  Collation,
  ColumnCheck,
  GeneratedColumn,
  GeneratedConfig,
  GeneratedDef,
  GeneratedMarker
} from './schema/column.js'
export { blob, boolean, integer, json, real, text, timestamp } from './schema/column.js'
export type { Aliased, AnyTable, IndexDef, Insert, NameOf, Row, Table, TableOptions } from './schema/table.js'
export type { ViewMarker, WritableTable } from './schema/table.js'
export type { View } from './query/view.js'
export type { Trigger, TriggerEvent, TriggerOptions, TriggerTiming } from './query/trigger.js'
export { createTrigger, dropTrigger, newOf, oldOf, rawTrigger, trigger } from './query/trigger.js'
export { createView, dropView, view } from './query/view.js'
export type { CheckDef, GeneratedColumns, GeneratedDefs, GeneratedKeys, IndexKey, IndexOptions, WithGenerated } from './schema/table.js'
export { alias, check, index, table, tableInfo, uniqueIndex } from './schema/table.js'
export type { AnyRelation, ColumnOf, Relation, RelationKind, RelationNode, RelationThrough } from './schema/relations.js'
export { belongsTo, hasMany, hasOne, manyToMany } from './schema/relations.js'
export type { EncodeMode, StoredRow } from './schema/codec.js'
export { columnCodec, insertCodec, rowCodec } from './schema/codec.js'

// queries
export { collate } from './query/collate.js'
export { jsonExtract, jsonGet, jsonValue } from './query/json.js'
export type { Fts } from './query/fts.js'
export { bm25, createFts, fts5, ftsTriggers, highlight, match, snippet } from './query/fts.js'
export type { GeneratedOptions } from './query/generated.js'
export { generated } from './query/generated.js'
export type {
  Expr,
  Query,
  SelectQuery,
  ExprNode,
  Statement,
  ResultMode,
  OrderTerm,
  InScope,
  OuterRefs,
  KindTag,
  Needs,
  ParamRef,
  ParamsOf,
  ParamEntry,
  KindValue,
  Intersection,
  DdlCheck,
  IndexTermDef
} from './query/ast.js'
export type { Comparison, Condition, ConditionOn, Operand, Placeholder, TupleOperand, ValuesOf } from './query/expr.js'
export {
  and,
  between,
  contains,
  endsWith,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  ne,
  not,
  notExists,
  notInArray,
  or,
  placeholder,
  scalar,
  startsWith,
  tuple,
  caseWhen
} from './query/expr.js'
export type { WindowSpec } from './query/functions.js'
export {
  avg,
  coalesce,
  countAll,
  countDistinct,
  countOf,
  date,
  denseRank,
  lower,
  max,
  min,
  over,
  rank,
  rowNumber,
  strftime,
  sum,
  upper
} from './query/functions.js'
export type { Cte, FlatSelect, JoinNeedsColumns } from './query/compound.js'
export { derived, except, intersect, union, unionAll, withQuery, withRecursive } from './query/compound.js'
export type { AnyPreload, Loaded, Preload, PreloadOptions } from './query/preload.js'
export { preload } from './query/preload.js'
export type { Sql } from './query/sql.js'
export { sql } from './query/sql.js'
export type { Fields, Projected, WriteResult } from './query/ast.js'
export type { FieldsRefs, Finished, Joined, Orderable, Outside, Readable, Reading } from './query/select.js'
export type { Filterable } from './query/filter.js'
export { filter, where } from './query/filter.js'
export {
  all,
  asc,
  columns,
  count,
  crossJoin,
  cursorOf,
  decode,
  desc,
  distinct,
  exists,
  first,
  fullJoin,
  groupBy,
  innerJoin,
  join,
  keyset,
  leftJoin,
  having,
  limit,
  offset,
  one,
  orderBy,
  rightJoin,
  select,
  value,
  values
} from './query/select.js'
export type { InsertFrom, InsertValues } from './query/insert.js'
export { excluded, excludedAll, insert, onConflictDoNothing, onConflictDoUpdate, orIgnore, orReplace } from './query/insert.js'
export type { Changed, DeleteQuery, InsertQuery, SetValues, UpdateQuery, WriteQuery, WriteReads } from './query/write.js'
export { allRows, changed, deleteFrom, from, returning, set, update } from './query/write.js'
export type { RawQuery } from './query/raw.js'
export { raw } from './query/raw.js'
export { createTable } from './query/ddl.js'
export type { SqlText } from './query/compile.js'
export { toSQL } from './query/compile.js'

// connections and sessions
export type { ConnectOptions, Db, LogEvent, Logger } from './conn/connect.js'
export { connect } from './conn/connect.js'
export { consoleLog } from './conn/log.js'
export type { Params, Session } from './session/session.js'
export type { ParamsFor } from './session/bind.js'
export { session } from './session/session.js'
export type {
  Results,
  SynchronousCallbackOnly,
  TransactionBody,
  TransactionMode,
  TransactionOptions,
  TransactionTarget,
  Tx
} from './session/transaction.js'
export { readTransaction, transaction } from './session/transaction.js'
export type { RetryOptions } from './session/retry.js'
export { retryOnBusy } from './session/retry.js'

// worker pool
export type { Pool, PoolOptions, PoolTransactionOptions, PoolTx } from './pool/pool.js'
export { workerPool } from './pool/pool.js'

// past one machine: remote drivers and the same Pool over them
export type { RemoteChanges, RemoteDriver, RemoteResult, RemoteRows, RemoteStatement, RemoteTx } from './driver/remote.js'
export type { DqliteDriver, DqliteOptions } from './driver/dqlite/driver.js'
export { dqlite } from './driver/dqlite/driver.js'
export type { RemotePoolOptions } from './pool/remote.js'
export { remotePool } from './pool/remote.js'

// migrations
export type { Operation, Plan, Rename } from './migrate/diff.js'
export type { MigrationOps } from './migrate/ops.js'
export type { AppliedMigration, MigrateOptions, MigrateResult, MigrationModule, MigrationStatus } from './migrate/runner.js'
export { DEFAULT_BUSY_WAIT_MS, migrate, migrateAsync, migrateDown, migrationStatus } from './migrate/runner.js'
export { planMigration } from './migrate/plan.js'

// the types the signatures above refer to (exported so that a consumer's declaration emit
// can name them: TypeScript's `declaration: true` writes `import('fp-lite-orm').BoundColumns`)
export type {
  Simplify,
  BoundColumns,
  ColumnBuilders,
  ColumnsOf,
  CteDef,
  Named,
  OptionalKeys,
  RequiredKeys,
  TableInfo,
  TableRef
} from './schema/table.js'
export type { AnyColumnBuilder, BuilderTypes, ColumnConfig, ColumnDefault, ColumnInfo } from './schema/column.js'
export type {
  Assignment,
  BetweenNode,
  CaseNode,
  CodecsPart,
  ColumnDef,
  CompareNode,
  CompareOp,
  CompoundPart,
  ConflictClause,
  CountAllNode,
  CreateTableStatement,
  DefaultDef,
  DeleteStatement,
  Encoding,
  ExistsNode,
  Field,
  FunctionName,
  FunctionNode,
  IdentifierNode,
  IndexStatementDef,
  InNode,
  InsertStatement,
  InvalidNode,
  IsNullNode,
  JoinClause,
  JoinKind,
  LikeNode,
  LogicalNode,
  NotNode,
  NowNode,
  PlaceholderNode,
  PreloadNode,
  RawStatement,
  RowValueNode,
  SelectStatement,
  SqlNode,
  SubqueryNode,
  UpdateStatement,
  ValueNode,
  WindowNode
} from './query/ast.js'
export type { CaseRefs, CaseValue, ListRefs, ValueOfOperand } from './query/expr.js'
export type { WindowRefs } from './query/functions.js'
export type { IsUnion } from './query/compound.js'
export type { Added, NestedOf, ParentOf, TargetOf, UnionToIntersection } from './query/preload.js'
export type { AnySelect, JoinedTables, Nullable } from './query/select.js'
export type { FromOf, WriteOn } from './query/write.js'
export type { PoolInternals, PoolWithInternals } from './pool/pool.js'
export type { ShapeStats } from './pool/protocol.js'

// studio
export type { Studio, StudioOptions } from './studio/server.js'
export { studio } from './studio/server.js'
export type { BackupProgress } from './conn/backup.js'
export { backup } from './conn/backup.js'
export type { Pulled } from './migrate/pull.js'
export { pull } from './migrate/pull.js'
export type { OperandRefs } from './query/expr.js'
export type { OptionRefs, OptionScope, Picked, TermRefs } from './query/preload.js'
export type { SchemaItem } from './migrate/plan.js'
