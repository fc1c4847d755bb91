// Single-node checks: connection and discovery (system.local/peers with the Go types gocql
// asserts, schema v2), DDL and metadata, simple and prepared queries, batches, paging, LWT,
// errors, compression and concurrency. Types, collections, UDTs and tuples are in types.go.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gocql/gocql"
)

var singleChecks = []check{
	{"connect/protocol-negotiation", checkProtocolNegotiation},
	{"connect/system-local", checkSystemLocal},
	{"connect/system-peers", checkSystemPeers},
	{"connect/schema-v2", checkSchemaV2},
	{"ddl/create", checkCreateSchema},
	{"ddl/already-exists", checkAlreadyExists},
	{"metadata/keyspace", checkKeyspaceMetadata},
	{"metadata/schema-change-event", checkSchemaChangeEvent},
	{"query/simple", checkSimpleQueries},
	{"query/prepared", checkPreparedQueries},
	{"query/routing-key", checkRoutingKey},
	{"query/reprepare-after-recreate", checkReprepare},
	{"types/native-roundtrip", checkNativeRoundTrip},
	{"types/native-mapscan", checkNativeMapScan},
	{"types/nulls-unset-empty", checkNullsUnsetEmpty},
	{"types/counter", checkCounter},
	{"collections/roundtrip", checkCollectionsRoundTrip},
	{"collections/operations", checkCollectionOperations},
	{"udt/struct", checkUDTStruct},
	{"udt/map-and-marshaler", checkUDTMapAndMarshaler},
	{"tuples", checkTuples},
	{"batch/logged", checkLoggedBatch},
	{"batch/unlogged", checkUnloggedBatch},
	{"batch/counter", checkCounterBatch},
	{"paging/auto", checkAutoPaging},
	{"paging/page-state", checkPageState},
	{"paging/range-scan", checkRangeScanPaging},
	{"lwt/scancas", checkScanCAS},
	{"lwt/mapscancas", checkMapScanCAS},
	{"lwt/batch-cas", func(e *env) error { return checkBatchCAS(e, "ascrows") }},
	{"lwt/batch-cas-desc-clustering", func(e *env) error { return checkBatchCAS(e, "rows") }},
	{"misc/ttl-timestamp", checkTTLAndTimestamp},
	{"misc/session-keyspace", checkSessionKeyspace},
	{"misc/compression-snappy", checkSnappy},
	{"misc/concurrent", checkConcurrent},
	{"errors/syntax", checkSyntaxError},
	{"errors/invalid", checkInvalidErrors},
	{"errors/unavailable", checkUnavailableSingle},
	{"errors/not-found", checkNotFound},
}

// The schema every single-node check uses (created by ddl/create).
func singleSchema(ks string) []string {
	return []string{
		fmt.Sprintf("DROP KEYSPACE IF EXISTS %s", ks),
		fmt.Sprintf("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", ks),
		fmt.Sprintf("CREATE TABLE %s.kv (k int PRIMARY KEY, v text)", ks),
		fmt.Sprintf(`CREATE TABLE %s.alltypes (k int PRIMARY KEY, a ascii, b bigint, bl blob, bo boolean, d date,
			de decimal, db double, du duration, f float, i inet, n int, s smallint, t time, ts timestamp,
			tu timeuuid, ti tinyint, u uuid, vc varchar, vi varint)`, ks),
		fmt.Sprintf("CREATE TABLE %s.counters (k int PRIMARY KEY, c counter, d counter)", ks),
		fmt.Sprintf(`CREATE TABLE %s.colls (k int PRIMARY KEY, l list<int>, s set<text>, m map<text, int>,
			nested map<text, frozen<list<int>>>, fs frozen<set<uuid>>, lt list<frozen<tuple<int, text>>>,
			mt map<timestamp, blob>)`, ks),
		fmt.Sprintf("CREATE TYPE %s.address (street text, city text, zip int)", ks),
		fmt.Sprintf("CREATE TYPE %s.person (name text, age int, addr frozen<address>, phones list<text>)", ks),
		fmt.Sprintf("CREATE TABLE %s.people (k int PRIMARY KEY, p frozen<person>, a address, others list<frozen<address>>)", ks),
		fmt.Sprintf("CREATE TABLE %s.tuples (k int PRIMARY KEY, t tuple<int, text, frozen<list<int>>>, nt frozen<tuple<int, tuple<text, bigint>>>)", ks),
		fmt.Sprintf("CREATE TABLE %s.rows (p int, c int, v text, PRIMARY KEY (p, c)) WITH CLUSTERING ORDER BY (c DESC)", ks),
		fmt.Sprintf("CREATE TABLE %s.composite (a text, b int, c int, v text, PRIMARY KEY ((a, b), c))", ks),
		fmt.Sprintf("CREATE TABLE %s.lwt (k int PRIMARY KEY, v text, n int)", ks),
		fmt.Sprintf("CREATE TABLE %s.ascrows (p int, c int, v text, PRIMARY KEY (p, c))", ks),
	}
}

func checkProtocolNegotiation(e *env) error {
	// ProtoVersion 0: gocql discovers the version (it dials v4 first) and reads system.local/peers.
	if err := e.connect(); err != nil {
		return fmt.Errorf("CreateSession with version discovery: %w", err)
	}
	// An explicit v4 works as well.
	c, _ := e.newCluster()
	c.ProtoVersion = 4
	s, err := c.CreateSession()
	if err != nil {
		return fmt.Errorf("CreateSession with ProtoVersion 4: %w", err)
	}
	s.Close()
	// Versions Cassia does not speak are refused with the protocol error the drivers understand.
	for _, v := range []int{3, 5} {
		c, _ := e.newCluster()
		c.ProtoVersion = v
		c.ConnectTimeout = 3 * time.Second
		s, err := c.CreateSession()
		if err == nil {
			s.Close()
			return fmt.Errorf("ProtoVersion %d: the session was created, want a refusal", v)
		}
	}
	return nil
}

// The Go type gocql's MapScan gives every system.local/peers column it type-asserts in hostInfoFromMap.
var hostColumnGoTypes = map[string]string{
	"data_center": "string", "rack": "string", "host_id": "gocql.UUID", "release_version": "string",
	"peer": "string", "cluster_name": "string", "partitioner": "string", "broadcast_address": "string",
	"preferred_ip": "string", "rpc_address": "string", "native_address": "string", "listen_address": "string",
	"native_port": "int", "tokens": "[]string", "schema_version": "gocql.UUID",
}

func checkHostColumnTypes(row map[string]interface{}) error {
	for col, want := range hostColumnGoTypes {
		v, ok := row[col]
		if !ok {
			continue
		}
		if got := fmt.Sprintf("%T", v); got != want {
			return fmt.Errorf("column %s: gocql scans %s, hostInfoFromMap asserts %s", col, got, want)
		}
	}
	return nil
}

func checkSystemLocal(e *env) error {
	if err := e.connect(); err != nil {
		return err
	}
	row := map[string]interface{}{}
	if err := e.session.Query("SELECT * FROM system.local WHERE key='local'").MapScan(row); err != nil {
		return err
	}
	if err := checkHostColumnTypes(row); err != nil {
		return err
	}
	for _, col := range []string{"data_center", "rack", "host_id", "release_version", "cluster_name", "partitioner",
		"broadcast_address", "rpc_address", "listen_address", "tokens", "schema_version"} {
		if _, ok := row[col]; !ok {
			return fmt.Errorf("system.local has no column %s", col)
		}
	}
	// What the driver made of it (HostInfo of the host that served a query).
	seen, err := e.observer.capture(func() error { return e.session.Query("SELECT key FROM system.local").Exec() })
	if err != nil {
		return err
	}
	if len(seen) == 0 || seen[0].Host == nil {
		return errors.New("the query observer saw no host")
	}
	h := seen[0].Host
	v := h.Version()
	return firstErr(
		expectEqual("HostInfo.DataCenter", h.DataCenter(), e.dc),
		expectEqual("HostInfo.ClusterName", h.ClusterName(), e.clusterName),
		expectEqual("HostInfo.Partitioner", h.Partitioner(), "org.apache.cassandra.dht.Murmur3Partitioner"),
		expectEqual("HostInfo.Version().Major", v.Major, 4),
		expectEqual("HostInfo.ConnectAddress", h.ConnectAddress().String(), e.hosts[0]),
		expectEqual("HostInfo.Port", h.Port(), e.port),
		expectEqual("HostInfo.Tokens non-empty", len(h.Tokens()) > 0, true),
		expectEqual("HostInfo.Rack non-empty", h.Rack() != "", true),
		expectEqual("HostInfo.HostID is the row's", h.HostID(), row["host_id"].(gocql.UUID).String()),
	)
}

// columnTypes returns name -> CQL type of a result's columns.
func columnTypes(iter *gocql.Iter) map[string]string {
	out := map[string]string{}
	for _, c := range iter.Columns() {
		out[c.Name] = c.TypeInfo.Type().String()
		if coll, ok := c.TypeInfo.(gocql.CollectionType); ok {
			out[c.Name] += "<" + coll.Elem.Type().String() + ">"
		}
	}
	return out
}

func checkSystemPeers(e *env) error {
	if err := e.connect(); err != nil {
		return err
	}
	// gocql reads peers_v2 from a 4.x node (release_version 4.0.x) and asserts native_port is an int.
	for table, want := range map[string]map[string]string{
		"system.peers": {"peer": "inet", "data_center": "varchar", "host_id": "uuid", "rack": "varchar", "release_version": "varchar",
			"rpc_address": "inet", "schema_version": "uuid", "tokens": "set<varchar>", "preferred_ip": "inet"},
		"system.peers_v2": {"peer": "inet", "peer_port": "int", "data_center": "varchar", "host_id": "uuid", "native_address": "inet",
			"native_port": "int", "preferred_ip": "inet", "preferred_port": "int", "rack": "varchar", "release_version": "varchar",
			"schema_version": "uuid", "tokens": "set<varchar>"},
	} {
		iter := e.session.Query("SELECT * FROM " + table).Iter()
		got := columnTypes(iter)
		n := iter.NumRows()
		// Cassia has peers_v2 (gocql would fall back to peers only on Invalid): both must work.
		if err := iter.Close(); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		if n != len(e.hosts)-1 {
			return fmt.Errorf("%s: %d rows, want %d", table, n, len(e.hosts)-1)
		}
		for col, typ := range want {
			if got[col] != typ {
				return fmt.Errorf("%s.%s: type %q, want %q (all: %v)", table, col, got[col], typ, got)
			}
		}
	}
	return nil
}

func checkSchemaV2(e *env) error {
	if err := e.connect(); err != nil {
		return err
	}
	// gocql's checkSystemSchema: this query succeeding selects the system_schema (v2) metadata queries.
	if err := e.session.Query("SELECT * FROM system_schema.keyspaces").Exec(); err != nil {
		return err
	}
	for _, ks := range []string{"system", "system_schema"} {
		md, err := e.session.KeyspaceMetadata(ks)
		if err != nil {
			return fmt.Errorf("KeyspaceMetadata(%s): %w", ks, err)
		}
		if len(md.Tables) == 0 {
			return fmt.Errorf("KeyspaceMetadata(%s): no tables", ks)
		}
	}
	md, _ := e.session.KeyspaceMetadata("system")
	local, ok := md.Tables["local"]
	if !ok {
		return errors.New("system metadata has no table local")
	}
	return firstErr(
		expectEqual("system.local partition key", len(local.PartitionKey), 1),
		expectEqual("system.local tokens type", local.Columns["tokens"].Type.Type(), gocql.TypeSet),
	)
}

func checkCreateSchema(e *env) error {
	if err := e.connect(); err != nil {
		return err
	}
	if err := e.exec(singleSchema(e.keyspace)...); err != nil {
		return err
	}
	return e.session.AwaitSchemaAgreement(context.Background())
}

func checkAlreadyExists(e *env) error {
	err := e.session.Query(fmt.Sprintf("CREATE TABLE %s (k int PRIMARY KEY)", e.ks("kv"))).Exec()
	var ae *gocql.RequestErrAlreadyExists
	if !errors.As(err, &ae) {
		return fmt.Errorf("CREATE TABLE again: want *RequestErrAlreadyExists, got %T %v", err, err)
	}
	err = e.session.Query(fmt.Sprintf("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}", e.keyspace)).Exec()
	var ke *gocql.RequestErrAlreadyExists
	if !errors.As(err, &ke) {
		return fmt.Errorf("CREATE KEYSPACE again: want *RequestErrAlreadyExists, got %T %v", err, err)
	}
	// IF NOT EXISTS is silent.
	if err := e.exec(fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (k int PRIMARY KEY)", e.ks("kv"))); err != nil {
		return err
	}
	return firstErr(
		expectEqual("table AlreadyExists.Keyspace", ae.Keyspace, e.keyspace),
		expectEqual("table AlreadyExists.Table", ae.Table, "kv"),
		expectEqual("keyspace AlreadyExists.Keyspace", ke.Keyspace, e.keyspace),
		expectEqual("keyspace AlreadyExists.Table", ke.Table, ""),
	)
}

func checkKeyspaceMetadata(e *env) error {
	md, err := e.session.KeyspaceMetadata(e.keyspace)
	if err != nil {
		return err
	}
	if !strings.HasSuffix(md.StrategyClass, "SimpleStrategy") {
		return fmt.Errorf("StrategyClass %q", md.StrategyClass)
	}
	if fmt.Sprint(md.StrategyOptions["replication_factor"]) != "1" {
		return fmt.Errorf("StrategyOptions %v", md.StrategyOptions)
	}
	rows, ok := md.Tables["rows"]
	if !ok {
		return fmt.Errorf("no table rows in %v", keys(md.Tables))
	}
	comp := md.Tables["composite"]
	all := md.Tables["alltypes"]
	colls := md.Tables["colls"]
	if comp == nil || all == nil || colls == nil {
		return fmt.Errorf("tables missing: %v", keys(md.Tables))
	}
	person, ok := md.UserTypes["person"]
	if !ok {
		return fmt.Errorf("no user type person in %v", keys(md.UserTypes))
	}
	wantTypes := map[string]gocql.Type{"a": gocql.TypeAscii, "b": gocql.TypeBigInt, "bl": gocql.TypeBlob, "bo": gocql.TypeBoolean,
		"d": gocql.TypeDate, "de": gocql.TypeDecimal, "db": gocql.TypeDouble, "du": gocql.TypeDuration, "f": gocql.TypeFloat,
		"i": gocql.TypeInet, "n": gocql.TypeInt, "s": gocql.TypeSmallInt, "t": gocql.TypeTime, "ts": gocql.TypeTimestamp,
		"tu": gocql.TypeTimeUUID, "ti": gocql.TypeTinyInt, "u": gocql.TypeUUID, "vi": gocql.TypeVarint,
		// system_schema.columns says "text" for varchar columns (as Cassandra does); gocql parses that as TypeText.
		"vc": gocql.TypeText}
	for name, want := range wantTypes {
		c, ok := all.Columns[name]
		if !ok {
			return fmt.Errorf("alltypes has no column %s", name)
		}
		if got := c.Type.Type(); got != want {
			return fmt.Errorf("alltypes.%s: type %s, want %s", name, got, want)
		}
	}
	return firstErr(
		expectEqual("rows partition key", names(rows.PartitionKey), []string{"p"}),
		expectEqual("rows clustering", names(rows.ClusteringColumns), []string{"c"}),
		expectEqual("rows clustering order", rows.ClusteringColumns[0].ClusteringOrder, "desc"),
		expectEqual("rows clustering Order", rows.ClusteringColumns[0].Order, gocql.DESC),
		expectEqual("composite partition key", names(comp.PartitionKey), []string{"a", "b"}),
		expectEqual("colls.m type", colls.Columns["m"].Type.Type(), gocql.TypeMap),
		expectEqual("colls.l type", colls.Columns["l"].Type.Type(), gocql.TypeList),
		expectEqual("colls.s type", colls.Columns["s"].Type.Type(), gocql.TypeSet),
		expectEqual("person fields", person.FieldNames, []string{"name", "age", "addr", "phones"}),
		expectEqual("kv regular column kind", md.Tables["kv"].Columns["v"].Kind, gocql.ColumnRegular),
	)
}

func checkSchemaChangeEvent(e *env) error {
	// A second session changes the table; the first one's cached metadata must follow (SCHEMA_CHANGE push).
	if _, err := e.session.KeyspaceMetadata(e.keyspace); err != nil {
		return err
	}
	c, _ := e.newCluster()
	other, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer other.Close()
	if err := other.Query(fmt.Sprintf("ALTER TABLE %s ADD extra text", e.ks("kv"))).Exec(); err != nil {
		return err
	}
	return until("the first session's metadata to show kv.extra", 10*time.Second, func() (bool, error) {
		md, err := e.session.KeyspaceMetadata(e.keyspace)
		if err != nil {
			return false, err
		}
		_, ok := md.Tables["kv"].Columns["extra"]
		return ok, nil
	})
}

func checkSimpleQueries(e *env) error {
	// Statements gocql does not prepare (DDL, USE-less system reads) travel as QUERY with paging.
	iter := e.session.Query("SELECT keyspace_name FROM system_schema.keyspaces").PageSize(2).Iter()
	var name string
	found := false
	n := 0
	for iter.Scan(&name) {
		n++
		found = found || name == e.keyspace
	}
	if err := iter.Close(); err != nil {
		return err
	}
	if !found || n < 3 {
		return fmt.Errorf("system_schema.keyspaces paged by 2: %d rows, ours found: %v", n, found)
	}
	// Batch children without values are sent as query strings (kind 0).
	b := e.session.NewBatch(gocql.UnloggedBatch)
	b.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (1, 'one')", e.ks("kv")))
	b.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (2, 'it''s two')", e.ks("kv")))
	if err := e.session.ExecuteBatch(b); err != nil {
		return err
	}
	var v string
	if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = 2", e.ks("kv"))).Scan(&v); err != nil {
		return err
	}
	return expectEqual("v", v, "it's two")
}

func checkPreparedQueries(e *env) error {
	ins := fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", e.ks("kv"))
	for k := 10; k < 110; k++ {
		if err := e.session.Query(ins, k, fmt.Sprintf("v%d", k)).Exec(); err != nil {
			return err
		}
	}
	sel := fmt.Sprintf("SELECT k, v FROM %s WHERE k = ?", e.ks("kv"))
	for k := 10; k < 110; k++ {
		var gk int
		var gv string
		if err := e.session.Query(sel, k).Scan(&gk, &gv); err != nil {
			return fmt.Errorf("k=%d: %w", k, err)
		}
		if gk != k || gv != fmt.Sprintf("v%d", k) {
			return fmt.Errorf("k=%d: got (%d, %q)", k, gk, gv)
		}
	}
	// IN with a bound list, and a Bind callback that sees the prepared metadata.
	iter := e.session.Query(fmt.Sprintf("SELECT k FROM %s WHERE k IN ?", e.ks("kv")), []int{10, 11, 12, 999}).Iter()
	var ks []int
	var k int
	for iter.Scan(&k) {
		ks = append(ks, k)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	sort.Ints(ks)
	if err := expectEqual("IN ?", ks, []int{10, 11, 12}); err != nil {
		return err
	}
	var argNames []string
	q := e.session.Bind(sel, func(info *gocql.QueryInfo) ([]interface{}, error) {
		for _, a := range info.Args {
			argNames = append(argNames, a.Name)
		}
		return []interface{}{42}, nil
	})
	var gk int
	var gv string
	if err := q.Scan(&gk, &gv); err != nil {
		return err
	}
	return firstErr(expectEqual("bind marker names", argNames, []string{"k"}), expectEqual("bound row", gv, "v42"))
}

func checkRoutingKey(e *env) error {
	// Prepared metadata carries pk indexes: gocql builds the routing key from the bound values.
	q := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE b = ? AND a = ? AND c = ?", e.ks("composite")), 7, "x", 1)
	rk, err := q.GetRoutingKey()
	if err != nil {
		return err
	}
	// Composite key: per component [short length][bytes][0x00], in partition key order (a, b).
	want := []byte{0, 1, 'x', 0, 0, 4, 0, 0, 0, 7, 0}
	if err := expectEqual("composite routing key", rk, want); err != nil {
		return err
	}
	q = e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = ?", e.ks("kv")), 5)
	rk, err = q.GetRoutingKey()
	if err != nil {
		return err
	}
	return expectEqual("single routing key", rk, []byte{0, 0, 0, 5})
}

// checkReprepare drops and recreates a table under a statement the session has prepared: the
// next execution must work (Cassia re-prepares, or answers Unprepared and gocql re-prepares).
func checkReprepare(e *env) error {
	tbl := e.ks("recreated")
	ins := fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", tbl)
	sel := fmt.Sprintf("SELECT v FROM %s WHERE k = ?", tbl)
	for round := 0; round < 3; round++ {
		if err := e.exec(fmt.Sprintf("DROP TABLE IF EXISTS %s", tbl), fmt.Sprintf("CREATE TABLE %s (k int PRIMARY KEY, v text)", tbl)); err != nil {
			return err
		}
		if err := e.session.Query(ins, round, fmt.Sprint(round)).Exec(); err != nil {
			return fmt.Errorf("round %d insert: %w", round, err)
		}
		var v string
		if err := e.session.Query(sel, round).Scan(&v); err != nil {
			return fmt.Errorf("round %d select: %w", round, err)
		}
		if v != fmt.Sprint(round) {
			return fmt.Errorf("round %d: %q", round, v)
		}
		// The previous round's row went with the dropped table.
		if round > 0 {
			if err := e.session.Query(sel, round-1).Scan(&v); !errors.Is(err, gocql.ErrNotFound) {
				return fmt.Errorf("round %d: the dropped table's row: %v", round, err)
			}
		}
	}
	return nil
}

func checkLoggedBatch(e *env) error {
	b := e.session.NewBatch(gocql.LoggedBatch)
	for i := 0; i < 20; i++ {
		b.Query(fmt.Sprintf("INSERT INTO %s (p, c, v) VALUES (?, ?, ?)", e.ks("rows")), 100+i%3, i, fmt.Sprintf("b%d", i))
	}
	b.Query(fmt.Sprintf("UPDATE %s SET v = ? WHERE k = ?", e.ks("kv")), "from batch", 500)
	b.WithTimestamp(1_600_000_000_000_000)
	if err := e.session.ExecuteBatch(b); err != nil {
		return err
	}
	var n int
	if err := e.session.Query(fmt.Sprintf("SELECT count(*) FROM %s WHERE p IN (100, 101, 102)", e.ks("rows"))).Scan(&n); err != nil {
		return err
	}
	var wt int64
	var v string
	if err := e.session.Query(fmt.Sprintf("SELECT v, writetime(v) FROM %s WHERE k = 500", e.ks("kv"))).Scan(&v, &wt); err != nil {
		return err
	}
	return firstErr(expectEqual("batched rows", n, 20), expectEqual("v", v, "from batch"), expectEqual("writetime", wt, int64(1_600_000_000_000_000)))
}

func checkUnloggedBatch(e *env) error {
	b := e.session.NewBatch(gocql.UnloggedBatch)
	for i := 0; i < 5; i++ {
		b.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", e.ks("kv")), 600+i, "u")
	}
	b.Query(fmt.Sprintf("DELETE FROM %s WHERE k = ?", e.ks("kv")), 600)
	if err := e.session.ExecuteBatch(b); err != nil {
		return err
	}
	iter := e.session.Query(fmt.Sprintf("SELECT k FROM %s WHERE k IN (600, 601, 602, 603, 604)", e.ks("kv"))).Iter()
	var got []int
	var k int
	for iter.Scan(&k) {
		got = append(got, k)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	sort.Ints(got)
	// Same timestamp for insert and delete of k=600: the delete wins (Cassandra's tie rule).
	return expectEqual("rows", got, []int{601, 602, 603, 604})
}

func checkCounterBatch(e *env) error {
	b := e.session.NewBatch(gocql.CounterBatch)
	for i := 0; i < 4; i++ {
		b.Query(fmt.Sprintf("UPDATE %s SET c = c + ? WHERE k = ?", e.ks("counters")), int64(i+1), 900)
	}
	if err := e.session.ExecuteBatch(b); err != nil {
		return err
	}
	var c int64
	if err := e.session.Query(fmt.Sprintf("SELECT c FROM %s WHERE k = 900", e.ks("counters"))).Scan(&c); err != nil {
		return err
	}
	return expectEqual("counter", c, int64(10))
}

func fillRows(e *env, p, n int) error {
	b := e.session.NewBatch(gocql.UnloggedBatch)
	for c := 0; c < n; c++ {
		b.Query(fmt.Sprintf("INSERT INTO %s (p, c, v) VALUES (?, ?, ?)", e.ks("rows")), p, c, fmt.Sprintf("r%d", c))
		if b.Size() == 50 || c == n-1 {
			if err := e.session.ExecuteBatch(b); err != nil {
				return err
			}
			b = e.session.NewBatch(gocql.UnloggedBatch)
		}
	}
	return nil
}

func checkAutoPaging(e *env) error {
	if err := fillRows(e, 1, 1000); err != nil {
		return err
	}
	seen, err := e.observer.capture(func() error {
		iter := e.session.Query(fmt.Sprintf("SELECT c FROM %s WHERE p = ?", e.ks("rows")), 1).PageSize(37).Iter()
		want := 999 // clustering order DESC
		var c int
		for iter.Scan(&c) {
			if c != want {
				return fmt.Errorf("row %d: c=%d", 999-want, c)
			}
			want--
		}
		if err := iter.Close(); err != nil {
			return err
		}
		if want != -1 {
			return fmt.Errorf("read %d rows, want 1000", 999-want)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// 1000 rows / 37 per page = 28 requests (27 full pages and one of 1).
	return expectEqual("page requests", len(seen), 28)
}

func checkPageState(e *env) error {
	stmt := fmt.Sprintf("SELECT c FROM %s WHERE p = ?", e.ks("rows"))
	var state []byte
	var got []int
	pages := 0
	for size := 10; ; size += 7 {
		iter := e.session.Query(stmt, 1).PageSize(size).PageState(state).Iter()
		rows := iter.NumRows()
		var c int
		for i := 0; i < rows && iter.Scan(&c); i++ {
			got = append(got, c)
		}
		state = iter.PageState()
		if err := iter.Close(); err != nil {
			return err
		}
		pages++
		if rows > size {
			return fmt.Errorf("page %d: %d rows for page size %d", pages, rows, size)
		}
		if len(state) == 0 {
			break
		}
		if pages > 200 {
			return errors.New("more than 200 pages")
		}
	}
	if len(got) != 1000 {
		return fmt.Errorf("%d rows over %d pages, want 1000", len(got), pages)
	}
	for i, c := range got {
		if c != 999-i {
			return fmt.Errorf("row %d: c=%d", i, c)
		}
	}
	// A state kept aside resumes later, even on a new session.
	iter := e.session.Query(stmt, 1).PageSize(100).Iter()
	saved := iter.PageState()
	_ = iter.Close()
	c, _ := e.newCluster()
	other, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer other.Close()
	var first int
	iter = other.Query(stmt, 1).PageSize(5).PageState(saved).Iter()
	iter.Scan(&first)
	if err := iter.Close(); err != nil {
		return err
	}
	return expectEqual("first row after a saved state", first, 899)
}

func checkRangeScanPaging(e *env) error {
	// A whole-table scan of kv (no WHERE) pages across partitions in token order, each row once.
	iter := e.session.Query(fmt.Sprintf("SELECT k, token(k) FROM %s", e.ks("kv"))).PageSize(13).Iter()
	seen := map[int]bool{}
	var k int
	var token, last int64
	first := true
	for iter.Scan(&k, &token) {
		if seen[k] {
			return fmt.Errorf("k=%d returned twice", k)
		}
		if !first && token < last {
			return fmt.Errorf("token order broken at k=%d", k)
		}
		seen[k], last, first = true, token, false
	}
	if err := iter.Close(); err != nil {
		return err
	}
	var n int
	if err := e.session.Query(fmt.Sprintf("SELECT count(*) FROM %s", e.ks("kv"))).Scan(&n); err != nil {
		return err
	}
	return expectEqual("rows scanned", len(seen), n)
}

func checkScanCAS(e *env) error {
	tbl := e.ks("lwt")
	applied, err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v, n) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 1, "first", 10).ScanCAS()
	if err != nil {
		return err
	}
	if !applied {
		return errors.New("first INSERT IF NOT EXISTS not applied")
	}
	// Not applied: the existing row comes back in the table's column order (k, n, v).
	var k, n int
	var v string
	applied, err = e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v, n) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 1, "second", 20).ScanCAS(&k, &n, &v)
	if err != nil {
		return err
	}
	if err := firstErr(expectEqual("applied", applied, false), expectEqual("existing k", k, 1), expectEqual("existing n", n, 10), expectEqual("existing v", v, "first")); err != nil {
		return err
	}
	// UPDATE IF: the condition column comes back when it fails.
	var cur string
	applied, err = e.session.Query(fmt.Sprintf("UPDATE %s SET v = ? WHERE k = ? IF v = ?", tbl), "x", 1, "nope").ScanCAS(&cur)
	if err != nil {
		return err
	}
	if err := firstErr(expectEqual("applied", applied, false), expectEqual("current v", cur, "first")); err != nil {
		return err
	}
	applied, err = e.session.Query(fmt.Sprintf("UPDATE %s SET v = ? WHERE k = ? IF v = ?", tbl), "x", 1, "first").SerialConsistency(gocql.LocalSerial).ScanCAS()
	if err != nil {
		return err
	}
	if !applied {
		return errors.New("UPDATE IF v = 'first' not applied")
	}
	applied, err = e.session.Query(fmt.Sprintf("DELETE FROM %s WHERE k = ? IF EXISTS", tbl), 1).ScanCAS()
	if err != nil {
		return err
	}
	if !applied {
		return errors.New("DELETE IF EXISTS not applied")
	}
	applied, err = e.session.Query(fmt.Sprintf("DELETE FROM %s WHERE k = ? IF EXISTS", tbl), 1).ScanCAS()
	if err != nil {
		return err
	}
	return expectEqual("second DELETE IF EXISTS applied", applied, false)
}

func checkMapScanCAS(e *env) error {
	tbl := e.ks("lwt")
	m := map[string]interface{}{}
	applied, err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v, n) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 2, "a", 1).MapScanCAS(m)
	if err != nil {
		return err
	}
	if !applied {
		return fmt.Errorf("not applied: %v", m)
	}
	m = map[string]interface{}{}
	applied, err = e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v, n) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 2, "b", 2).MapScanCAS(m)
	if err != nil {
		return err
	}
	if err := firstErr(expectEqual("applied", applied, false), expectEqual("existing row", m, map[string]interface{}{"k": 2, "v": "a", "n": 1})); err != nil {
		return err
	}
	m = map[string]interface{}{}
	applied, err = e.session.Query(fmt.Sprintf("UPDATE %s SET n = ? WHERE k = ? IF n = ? AND v = ?", tbl), 5, 2, 9, "a").MapScanCAS(m)
	if err != nil {
		return err
	}
	return firstErr(expectEqual("applied", applied, false), expectEqual("condition columns", m, map[string]interface{}{"n": 1, "v": "a"}))
}

// checkBatchCAS runs conditional batches on two rows of one partition of table (ascrows: ASC
// clustering, rows: DESC).
func checkBatchCAS(e *env, table string) error {
	tbl := e.ks(table)
	b := e.session.NewBatch(gocql.LoggedBatch)
	b.Query(fmt.Sprintf("INSERT INTO %s (p, c, v) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 300, 1, "one")
	b.Query(fmt.Sprintf("INSERT INTO %s (p, c, v) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 300, 2, "two")
	applied, iter, err := e.session.ExecuteBatchCAS(b)
	if err != nil {
		return err
	}
	_ = iter.Close()
	if !applied {
		return errors.New("first conditional batch not applied")
	}
	b = e.session.NewBatch(gocql.LoggedBatch)
	b.Query(fmt.Sprintf("UPDATE %s SET v = ? WHERE p = ? AND c = ? IF v = ?", tbl), "uno", 300, 1, "one")
	b.Query(fmt.Sprintf("INSERT INTO %s (p, c, v) VALUES (?, ?, ?) IF NOT EXISTS", tbl), 300, 2, "dos")
	m := map[string]interface{}{}
	applied, iter, err = e.session.MapExecuteBatchCAS(b, m)
	if err != nil {
		return err
	}
	// Not applied: one row per conditional statement, with the primary key and the condition columns.
	rows := []map[string]interface{}{m}
	for {
		r := map[string]interface{}{}
		if !iter.MapScan(r) {
			break
		}
		rows = append(rows, r)
	}
	if err := iter.Close(); err != nil {
		return err
	}
	if applied {
		return errors.New("second conditional batch applied; row (300, 2) exists")
	}
	if len(rows) != 2 {
		return fmt.Errorf("%d [applied] rows, want 2: %v", len(rows), rows)
	}
	var v1, v2 string
	if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE p = 300 AND c = 1", tbl)).Scan(&v1); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE p = 300 AND c = 2", tbl)).Scan(&v2); err != nil {
		return err
	}
	current := map[string]bool{}
	for _, r := range rows {
		current[fmt.Sprintf("%v %v %v", r["p"], r["c"], r["v"])] = true
	}
	return firstErr(expectEqual("v(300,1)", v1, "one"), expectEqual("v(300,2)", v2, "two"),
		expectEqual("rows of the failed batch", current, map[string]bool{"300 1 one": true, "300 2 two": true}))
}

func checkTTLAndTimestamp(e *env) error {
	tbl := e.ks("kv")
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?) USING TTL ? AND TIMESTAMP ?", tbl), 700, "ttl", 3600, int64(1_700_000_000_000_000)).Exec(); err != nil {
		return err
	}
	var ttl int
	var wt int64
	if err := e.session.Query(fmt.Sprintf("SELECT ttl(v), writetime(v) FROM %s WHERE k = ?", tbl), 700).Scan(&ttl, &wt); err != nil {
		return err
	}
	if ttl <= 3590 || ttl > 3600 {
		return fmt.Errorf("ttl %d", ttl)
	}
	if wt != 1_700_000_000_000_000 {
		return fmt.Errorf("writetime %d", wt)
	}
	// Query.WithTimestamp sets the protocol's default timestamp (flag 0x20).
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", tbl), 701, "ts").WithTimestamp(1_234_567).Exec(); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("SELECT writetime(v) FROM %s WHERE k = ?", tbl), 701).Scan(&wt); err != nil {
		return err
	}
	if err := expectEqual("WithTimestamp", wt, int64(1_234_567)); err != nil {
		return err
	}
	// An older write loses to the newer one.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", tbl), 701, "older").WithTimestamp(1_000_000).Exec(); err != nil {
		return err
	}
	var v string
	if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = ?", tbl), 701).Scan(&v); err != nil {
		return err
	}
	return expectEqual("newest write wins", v, "ts")
}

func checkSessionKeyspace(e *env) error {
	c, _ := e.newCluster()
	c.Keyspace = e.keyspace
	s, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer s.Close()
	var v string
	if err := s.Query("SELECT v FROM kv WHERE k = ?", 10).Scan(&v); err != nil {
		return err
	}
	if err := expectEqual("v", v, "v10"); err != nil {
		return err
	}
	// An unknown keyspace fails the session.
	c, _ = e.newCluster()
	c.Keyspace = "no_such_keyspace_gocql"
	if s2, err := c.CreateSession(); err == nil {
		s2.Close()
		return errors.New("a session in an unknown keyspace was created")
	}
	return nil
}

func checkSnappy(e *env) error {
	c, _ := e.newCluster()
	c.Compressor = &gocql.SnappyCompressor{}
	s, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer s.Close()
	big := strings.Repeat("compressible ", 5000)
	if err := s.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", e.ks("kv")), 800, big).Exec(); err != nil {
		return err
	}
	var v string
	if err := s.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = ?", e.ks("kv")), 800).Scan(&v); err != nil {
		return err
	}
	return expectEqual("snappy round trip", v == big, true)
}

// concurrentWorkers x concurrentOpsPerWorker prepared writes then reads share the session's connections.
const (
	concurrentWorkers      = 32
	concurrentOpsPerWorker = 50
)

func checkConcurrent(e *env) error {
	var wg sync.WaitGroup
	errs := make(chan error, concurrentWorkers)
	for w := 0; w < concurrentWorkers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < concurrentOpsPerWorker; i++ {
				k := 10_000 + w*concurrentOpsPerWorker + i
				if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, v) VALUES (?, ?)", e.ks("kv")), k, fmt.Sprint(k*3)).Exec(); err != nil {
					errs <- err
					return
				}
				var v string
				if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = ?", e.ks("kv")), k).Scan(&v); err != nil {
					errs <- err
					return
				}
				if v != fmt.Sprint(k*3) {
					errs <- fmt.Errorf("k=%d: read %q", k, v)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func checkSyntaxError(e *env) error {
	re, err := requestError(e.session.Query("SELEC * FROM system.local").Exec(), gocql.ErrCodeSyntax)
	if err != nil {
		return err
	}
	if re.Message() == "" {
		return errors.New("empty syntax error message")
	}
	// A prepared statement with a syntax error fails at PREPARE with the same code.
	_, err = requestError(e.session.Query("INSERT INTO kv (k, v) VALUES (?, ?", 1, "x").Exec(), gocql.ErrCodeSyntax)
	return err
}

func checkInvalidErrors(e *env) error {
	cases := []struct {
		stmt   string
		values []interface{}
	}{
		{fmt.Sprintf("SELECT * FROM %s.no_such_table", e.keyspace), nil},
		{"SELECT * FROM no_such_keyspace_gocql.t", nil},
		{fmt.Sprintf("SELECT * FROM %s WHERE v = ?", e.ks("kv")), []interface{}{"x"}},
		{fmt.Sprintf("INSERT INTO %s (k) VALUES (?)", e.ks("rows")), []interface{}{1}},
		{fmt.Sprintf("SELECT no_such_column FROM %s", e.ks("kv")), nil},
	}
	for _, c := range cases {
		if _, err := requestError(e.session.Query(c.stmt, c.values...).Exec(), gocql.ErrCodeInvalid); err != nil {
			return fmt.Errorf("%s: %w", c.stmt, err)
		}
	}
	// system.peers_v2 does not exist (or does): gocql needs exactly Invalid when it does not.
	return nil
}

func checkUnavailableSingle(e *env) error {
	ks := e.keyspace + "_rf3"
	if err := e.exec(
		fmt.Sprintf("DROP KEYSPACE IF EXISTS %s", ks),
		fmt.Sprintf("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}", ks),
		fmt.Sprintf("CREATE TABLE %s.t (k int PRIMARY KEY, v int)", ks),
	); err != nil {
		return err
	}
	err := e.session.Query(fmt.Sprintf("INSERT INTO %s.t (k, v) VALUES (?, ?)", ks), 1, 1).Consistency(gocql.Quorum).Exec()
	var ue *gocql.RequestErrUnavailable
	if !errors.As(err, &ue) {
		return fmt.Errorf("QUORUM write on RF 3 with one node: want *RequestErrUnavailable, got %T %v", err, err)
	}
	if err := firstErr(expectEqual("Consistency", ue.Consistency, gocql.Quorum), expectEqual("Required", ue.Required, 2), expectEqual("Alive", ue.Alive, 1)); err != nil {
		return err
	}
	err = e.session.Query(fmt.Sprintf("SELECT v FROM %s.t WHERE k = ?", ks), 1).Consistency(gocql.All).Exec()
	if !errors.As(err, &ue) {
		return fmt.Errorf("ALL read on RF 3 with one node: want *RequestErrUnavailable, got %T %v", err, err)
	}
	if err := firstErr(expectEqual("Consistency", ue.Consistency, gocql.All), expectEqual("Required", ue.Required, 3), expectEqual("Alive", ue.Alive, 1)); err != nil {
		return err
	}
	// ONE works.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s.t (k, v) VALUES (?, ?)", ks), 1, 1).Consistency(gocql.One).Exec(); err != nil {
		return err
	}
	// An LWT needs a SERIAL quorum of the replicas: Unavailable too.
	_, err = e.session.Query(fmt.Sprintf("INSERT INTO %s.t (k, v) VALUES (?, ?) IF NOT EXISTS", ks), 2, 2).Consistency(gocql.One).ScanCAS()
	if !errors.As(err, &ue) {
		return fmt.Errorf("LWT on RF 3 with one node: want *RequestErrUnavailable, got %T %v", err, err)
	}
	return firstErr(expectEqual("LWT Consistency", ue.Consistency, serialRead), expectEqual("LWT Required", ue.Required, 2), expectEqual("LWT Alive", ue.Alive, 1))
}

func checkNotFound(e *env) error {
	var v string
	err := e.session.Query(fmt.Sprintf("SELECT v FROM %s WHERE k = ?", e.ks("kv")), -1).Scan(&v)
	if !errors.Is(err, gocql.ErrNotFound) {
		return fmt.Errorf("want gocql.ErrNotFound, got %v", err)
	}
	return nil
}

// ---- small helpers ------------------------------------------------------------------------

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func names(cols []*gocql.ColumnMetadata) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

func ipEqual(a, b net.IP) bool { return a.Equal(b) }
