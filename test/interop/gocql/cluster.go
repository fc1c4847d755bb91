// Three-node checks (127.0.0.1-3, one CQL port): discovery through system.local/peers, schema
// agreement, TokenAwareHostPolicy routing to the replica that owns each token, every consistency
// level, paging resumed on other coordinators, batches, LWT across coordinators; and the timeout
// scenario run while the harness keeps the third node stopped (SIGSTOP): WriteTimeout,
// ReadTimeout, then Unavailable once the failure detector convicts it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/gocql/gocql"
)

var clusterChecks = []check{
	{"cluster/discovery", checkDiscovery},
	{"cluster/schema-agreement", checkClusterSchema},
	{"cluster/system-peers", checkClusterPeers},
	{"cluster/token-aware-routing", checkTokenAwareRouting},
	{"cluster/consistency-levels", checkConsistencyLevels},
	{"cluster/paging-across-coordinators", checkClusterPaging},
	{"cluster/batch", checkClusterBatch},
	{"cluster/lwt", checkClusterLWT},
	{"cluster/quorum-reads-via-first-node", checkQuorumReadsViaFirst},
}

// The keyspaces the cluster scenario creates and the timeout scenario uses.
const (
	clusterRF1 = "gocql_cluster_rf1"
	clusterRF3 = "gocql_cluster_rf3"
)

// hostsReadyTimeout bounds how long the driver may take to add every peer it discovered.
const hostsReadyTimeout = 20 * time.Second

func checkDiscovery(e *env) error {
	if err := e.connect(); err != nil {
		return err
	}
	// Only the first address is needed as a contact point; the others come from system.peers.
	if err := until("the driver to know every host", hostsReadyTimeout, func() (bool, error) {
		return len(e.policy.Known()) == len(e.hosts), nil
	}); err != nil {
		return fmt.Errorf("%w; known: %v", err, keys(e.policy.Known()))
	}
	ids := map[string]bool{}
	for _, addr := range e.hosts {
		h := e.policy.Known()[addr]
		if h == nil {
			return fmt.Errorf("host %s unknown to the driver", addr)
		}
		if err := firstErr(
			expectEqual(addr+" DataCenter", h.DataCenter(), e.dc),
			expectEqual(addr+" Version().Major", h.Version().Major, 4),
			expectEqual(addr+" has tokens", len(h.Tokens()) > 0, true),
			expectEqual(addr+" has a rack", h.Rack() != "", true),
			expectEqual(addr+" RPCAddress", h.RPCAddress().String(), addr),
			expectEqual(addr+" Port", h.Port(), e.port),
			expectEqual(addr+" is up", h.IsUp(), true),
		); err != nil {
			return err
		}
		ids[h.HostID()] = true
	}
	if len(ids) != len(e.hosts) {
		return fmt.Errorf("host ids not distinct: %v", ids)
	}
	// Round robin over token-less statements reaches every host.
	seen, err := e.observer.capture(func() error {
		for i := 0; i < 30; i++ {
			if err := e.session.Query("SELECT release_version FROM system.local").Exec(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	used := map[string]bool{}
	for _, q := range seen {
		used[q.Host.ConnectAddress().String()] = true
	}
	return expectEqual("hosts used by round robin", len(used), len(e.hosts))
}

// schemaVersions reads system.local and system.peers schema versions through each host.
func (e *env) schemaVersions() (map[string]bool, error) {
	versions := map[string]bool{}
	for _, addr := range e.hosts {
		var v gocql.UUID
		if err := e.session.Query("SELECT schema_version FROM system.local WHERE key='local'").WithContext(pinTo(addr)).Scan(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", addr, err)
		}
		versions[v.String()] = true
		iter := e.session.Query("SELECT schema_version FROM system.peers").WithContext(pinTo(addr)).Iter()
		for iter.Scan(&v) {
			versions[v.String()] = true
		}
		if err := iter.Close(); err != nil {
			return nil, fmt.Errorf("%s peers: %w", addr, err)
		}
	}
	return versions, nil
}

func checkClusterSchema(e *env) error {
	stmts := []string{}
	for ks, rf := range map[string]int{clusterRF1: 1, clusterRF3: 3} {
		stmts = append(stmts,
			fmt.Sprintf("DROP KEYSPACE IF EXISTS %s", ks),
			fmt.Sprintf("CREATE KEYSPACE %s WITH replication = {'class': 'SimpleStrategy', 'replication_factor': %d}", ks, rf),
			fmt.Sprintf("CREATE TABLE %s.kv (k int PRIMARY KEY, v text)", ks),
			fmt.Sprintf("CREATE TABLE %s.composite (a text, b int, v text, PRIMARY KEY ((a, b)))", ks),
			fmt.Sprintf("CREATE TABLE %s.rows (p int, c int, v text, PRIMARY KEY (p, c))", ks),
			fmt.Sprintf("CREATE TABLE %s.lwt (k int PRIMARY KEY, n int)", ks),
		)
	}
	if err := e.exec(stmts...); err != nil {
		return err
	}
	// gocql waits for agreement after each DDL; check it explicitly and through every node.
	if err := e.session.AwaitSchemaAgreement(context.Background()); err != nil {
		return err
	}
	var versions map[string]bool
	if err := until("one schema version on every node", 30*time.Second, func() (bool, error) {
		v, err := e.schemaVersions()
		versions = v
		return err == nil && len(v) == 1, err
	}); err != nil {
		return fmt.Errorf("%w: %v", err, versions)
	}
	// Every node serves the new tables' metadata.
	for _, addr := range e.hosts {
		var n int
		if err := e.session.Query("SELECT count(*) FROM system_schema.tables WHERE keyspace_name = ?", clusterRF3).WithContext(pinTo(addr)).Scan(&n); err != nil {
			return err
		}
		if n != 4 {
			return fmt.Errorf("%s lists %d tables in %s", addr, n, clusterRF3)
		}
	}
	return nil
}

func checkClusterPeers(e *env) error {
	for _, addr := range e.hosts {
		for _, table := range []string{"system.peers", "system.peers_v2"} {
			iter := e.session.Query("SELECT * FROM " + table).WithContext(pinTo(addr)).Iter()
			rows, err := iter.SliceMap()
			if err != nil {
				return fmt.Errorf("%s via %s: %w", table, addr, err)
			}
			if len(rows) != len(e.hosts)-1 {
				return fmt.Errorf("%s via %s: %d rows", table, addr, len(rows))
			}
			for _, row := range rows {
				if err := checkHostColumnTypes(row); err != nil {
					return fmt.Errorf("%s via %s: %w", table, addr, err)
				}
				if row["peer"] == addr {
					return fmt.Errorf("%s via %s lists the node itself", table, addr)
				}
				if toks, _ := row["tokens"].([]string); len(toks) == 0 {
					return fmt.Errorf("%s via %s: peer %v has no tokens (gocql ignores it)", table, addr, row["peer"])
				}
				if port, ok := row["native_port"]; ok && port != e.port {
					return fmt.Errorf("%s via %s: peer %v native_port %v, want %d", table, addr, row["peer"], port, e.port)
				}
			}
		}
	}
	return nil
}

// ring maps a token to the primary replica: the host with the smallest token >= t, wrapping.
type ring struct {
	tokens []int64
	owner  map[int64]string
}

func (e *env) ring() (*ring, error) {
	r := &ring{owner: map[int64]string{}}
	for addr, h := range e.policy.Known() {
		for _, s := range h.Tokens() {
			t, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("token %q of %s: %w", s, addr, err)
			}
			r.tokens = append(r.tokens, t)
			r.owner[t] = addr
		}
	}
	sort.Slice(r.tokens, func(i, j int) bool { return r.tokens[i] < r.tokens[j] })
	return r, nil
}

func (r *ring) primary(t int64) string {
	i := sort.Search(len(r.tokens), func(i int) bool { return r.tokens[i] >= t })
	if i == len(r.tokens) {
		i = 0
	}
	return r.owner[r.tokens[i]]
}

// routingKeys is how many keys the routing check writes (enough for every node to own some).
const routingKeys = 90

func checkTokenAwareRouting(e *env) error {
	r, err := e.ring()
	if err != nil {
		return err
	}
	owners := map[string]int{}
	for k := 0; k < routingKeys; k++ {
		var token int64
		seen, err := e.observer.capture(func() error {
			return e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF1), k, fmt.Sprint(k)).Consistency(gocql.One).Exec()
		})
		if err != nil {
			return fmt.Errorf("insert k=%d: %w", k, err)
		}
		if err := e.session.Query(fmt.Sprintf("SELECT token(k) FROM %s.kv WHERE k = ?", clusterRF1), k).Consistency(gocql.One).Scan(&token); err != nil {
			return fmt.Errorf("token(k) k=%d: %w", k, err)
		}
		// The server's token(k) and gocql's Murmur3 hash of the routing key pick the same replica.
		want := r.primary(token)
		if len(seen) != 1 || seen[0].Host == nil {
			return fmt.Errorf("k=%d: %d observed attempts", k, len(seen))
		}
		if got := seen[0].Host.ConnectAddress().String(); got != want {
			return fmt.Errorf("k=%d token %d: the driver sent the write to %s, the replica is %s", k, token, got, want)
		}
		owners[want]++
	}
	if len(owners) != len(e.hosts) {
		return fmt.Errorf("keys per owner %v: every node should own some of %d keys", owners, routingKeys)
	}
	// Any node coordinates reads of any key (RF 1: forwarded to the owner).
	for _, addr := range e.hosts {
		for k := 0; k < routingKeys; k += 7 {
			var v string
			if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF1), k).Consistency(gocql.One).WithContext(pinTo(addr)).Scan(&v); err != nil {
				return fmt.Errorf("read k=%d via %s: %w", k, addr, err)
			}
			if v != fmt.Sprint(k) {
				return fmt.Errorf("read k=%d via %s: %q", k, addr, v)
			}
		}
	}
	// TokenAwareHostPolicy over DCAwareRoundRobinPolicy (the usual production setting) routes alike.
	c, _ := e.newCluster()
	dcPolicy := newPinningPolicy(gocql.TokenAwareHostPolicy(gocql.DCAwareRoundRobinPolicy(e.dc)))
	c.PoolConfig.HostSelectionPolicy = dcPolicy
	rec := &queryRecorder{}
	c.QueryObserver = rec
	dcAware, err := c.CreateSession()
	if err != nil {
		return err
	}
	defer dcAware.Close()
	if err := until("the DC-aware session to know every host", hostsReadyTimeout, func() (bool, error) {
		return len(dcPolicy.Known()) == len(e.hosts), nil
	}); err != nil {
		return err
	}
	for k := 0; k < routingKeys; k += 3 {
		seen, err := rec.capture(func() error {
			var v string
			return dcAware.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF1), k).Consistency(gocql.LocalOne).Scan(&v)
		})
		if err != nil {
			return fmt.Errorf("DC-aware read k=%d: %w", k, err)
		}
		var token int64
		if err := e.session.Query(fmt.Sprintf("SELECT token(k) FROM %s.kv WHERE k = ?", clusterRF1), k).Consistency(gocql.One).Scan(&token); err != nil {
			return err
		}
		if got, want := seen[len(seen)-1].Host.ConnectAddress().String(), r.primary(token); got != want {
			return fmt.Errorf("DC-aware k=%d: sent to %s, replica %s", k, got, want)
		}
	}
	// Composite partition keys route the same way.
	for b := 0; b < 30; b++ {
		seen, err := e.observer.capture(func() error {
			return e.session.Query(fmt.Sprintf("INSERT INTO %s.composite (a, b, v) VALUES (?, ?, ?)", clusterRF1), "key", b, "x").Consistency(gocql.One).Exec()
		})
		if err != nil {
			return err
		}
		var token int64
		if err := e.session.Query(fmt.Sprintf("SELECT token(a, b) FROM %s.composite WHERE a = ? AND b = ?", clusterRF1), "key", b).Consistency(gocql.One).Scan(&token); err != nil {
			return err
		}
		if got, want := seen[0].Host.ConnectAddress().String(), r.primary(token); got != want {
			return fmt.Errorf("composite b=%d: sent to %s, replica %s", b, got, want)
		}
	}
	return nil
}

func checkConsistencyLevels(e *env) error {
	levels := []gocql.Consistency{gocql.One, gocql.Two, gocql.Three, gocql.Quorum, gocql.All, gocql.LocalQuorum, gocql.EachQuorum, gocql.LocalOne, gocql.Any}
	for i, cl := range levels {
		k := 1000 + i
		if err := e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), k, cl.String()).Consistency(cl).Exec(); err != nil {
			return fmt.Errorf("write at %s: %w", cl, err)
		}
		for _, addr := range e.hosts {
			readCL := cl
			if cl == gocql.Any || cl == gocql.EachQuorum {
				readCL = gocql.All // not valid for reads
			}
			var v string
			if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), k).Consistency(readCL).WithContext(pinTo(addr)).Scan(&v); err != nil {
				return fmt.Errorf("read at %s via %s: %w", readCL, addr, err)
			}
			if v != cl.String() {
				return fmt.Errorf("read at %s via %s: %q", readCL, addr, v)
			}
		}
	}
	// After an ALL write, every replica answers a ONE read alone.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 1999, "all").Consistency(gocql.All).Exec(); err != nil {
		return err
	}
	for _, addr := range e.hosts {
		var v string
		if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), 1999).Consistency(gocql.One).WithContext(pinTo(addr)).Scan(&v); err != nil {
			return err
		}
		if v != "all" {
			return fmt.Errorf("ONE via %s after an ALL write: %q", addr, v)
		}
	}
	return nil
}

func checkClusterPaging(e *env) error {
	const partitions, perPartition = 40, 10
	b := e.session.NewBatch(gocql.UnloggedBatch)
	for p := 0; p < partitions; p++ {
		for c := 0; c < perPartition; c++ {
			b.Query(fmt.Sprintf("INSERT INTO %s.rows (p, c, v) VALUES (?, ?, ?)", clusterRF3), p, c, "x")
		}
		if err := e.session.ExecuteBatch(b); err != nil {
			return err
		}
		b = e.session.NewBatch(gocql.UnloggedBatch)
	}
	// A full scan, each page fetched through the next node with the previous page's state.
	var state []byte
	seen := map[[2]int]bool{}
	pages := 0
	for {
		addr := e.hosts[pages%len(e.hosts)]
		iter := e.session.Query(fmt.Sprintf("SELECT p, c FROM %s.rows", clusterRF3)).Consistency(gocql.Quorum).PageSize(17).PageState(state).WithContext(pinTo(addr)).Iter()
		rows := iter.NumRows()
		var p, c int
		for i := 0; i < rows && iter.Scan(&p, &c); i++ {
			if seen[[2]int{p, c}] {
				return fmt.Errorf("row (%d, %d) returned twice (page %d via %s)", p, c, pages, addr)
			}
			seen[[2]int{p, c}] = true
		}
		state = iter.PageState()
		if err := iter.Close(); err != nil {
			return fmt.Errorf("page %d via %s: %w", pages, addr, err)
		}
		pages++
		if len(state) == 0 || pages > 1000 {
			break
		}
	}
	if len(seen) != partitions*perPartition {
		return fmt.Errorf("%d rows over %d pages, want %d", len(seen), pages, partitions*perPartition)
	}
	// Automatic paging of one partition at ALL.
	iter := e.session.Query(fmt.Sprintf("SELECT c FROM %s.rows WHERE p = ?", clusterRF3), 3).Consistency(gocql.All).PageSize(3).Iter()
	n := 0
	var c int
	for iter.Scan(&c) {
		if c != n {
			return fmt.Errorf("row %d: c=%d", n, c)
		}
		n++
	}
	if err := iter.Close(); err != nil {
		return err
	}
	return expectEqual("rows of partition 3", n, perPartition)
}

func checkClusterBatch(e *env) error {
	for _, typ := range []gocql.BatchType{gocql.LoggedBatch, gocql.UnloggedBatch} {
		b := e.session.NewBatch(typ)
		b.SetConsistency(gocql.Quorum)
		for k := 0; k < 12; k++ {
			b.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 3000+k, fmt.Sprintf("batch-%d", typ))
		}
		if err := e.session.ExecuteBatch(b); err != nil {
			return fmt.Errorf("batch type %d: %w", typ, err)
		}
		for k := 0; k < 12; k++ {
			var v string
			if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), 3000+k).Consistency(gocql.All).Scan(&v); err != nil {
				return err
			}
			if v != fmt.Sprintf("batch-%d", typ) {
				return fmt.Errorf("k=%d: %q after batch type %d", 3000+k, v, typ)
			}
		}
	}
	return nil
}

// lwtIncrements is how many successful compare-and-set increments each coordinator makes.
const (
	lwtIncrements  = 10
	lwtAttemptsMax = 300
)

// checkClusterLWT has one worker per coordinator increment n with UPDATE ... IF n = <read value>
// until each has lwtIncrements applied. Contention between coordinators may end a round in
// WriteTimeout(CAS) with an unknown outcome, as in Cassandra; those are counted, so the final n
// must lie in [applied, applied + unknown].
func checkClusterLWT(e *env) error {
	tbl := clusterRF3 + ".lwt"
	if _, err := e.session.Query(fmt.Sprintf("DELETE FROM %s WHERE k = 1 IF EXISTS", tbl)).ScanCAS(); err != nil {
		return err
	}
	if applied, err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, n) VALUES (?, ?) IF NOT EXISTS", tbl), 1, 0).ScanCAS(); err != nil || !applied {
		return fmt.Errorf("INSERT IF NOT EXISTS: applied=%v err=%v", applied, err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	applied, unknown := 0, 0
	errs := make(chan error, len(e.hosts))
	for _, addr := range e.hosts {
		wg.Add(1)
		go func(addr string) {
			defer wg.Done()
			ctx := pinTo(addr)
			done := 0
			for attempt := 0; done < lwtIncrements; attempt++ {
				if attempt >= lwtAttemptsMax {
					errs <- fmt.Errorf("%s: %d increments after %d attempts", addr, done, attempt)
					return
				}
				var n int
				if err := e.session.Query(fmt.Sprintf("SELECT n FROM %s WHERE k = 1", tbl)).Consistency(serialRead).WithContext(ctx).Scan(&n); err != nil {
					errs <- fmt.Errorf("%s SERIAL read: %w", addr, err)
					return
				}
				var cur int
				ok, err := e.session.Query(fmt.Sprintf("UPDATE %s SET n = ? WHERE k = 1 IF n = ?", tbl), n+1, n).SerialConsistency(gocql.Serial).WithContext(ctx).ScanCAS(&cur)
				var wt *gocql.RequestErrWriteTimeout
				switch {
				case errors.As(err, &wt) && wt.WriteType == "CAS" && wt.Consistency == serialRead:
					mu.Lock()
					unknown++
					mu.Unlock()
				case err != nil:
					errs <- fmt.Errorf("%s CAS: %T %w", addr, err, err)
					return
				case ok:
					done++
					mu.Lock()
					applied++
					mu.Unlock()
				}
			}
		}(addr)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	var n int
	if err := e.session.Query(fmt.Sprintf("SELECT n FROM %s WHERE k = 1", tbl)).Consistency(serialRead).Scan(&n); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "cluster/lwt: %d applied, %d WriteTimeout(CAS) with unknown outcome, final n %d\n", applied, unknown, n)
	if n < applied || n > applied+unknown {
		return fmt.Errorf("n = %d after %d applied increments and %d of unknown outcome", n, applied, unknown)
	}
	return nil
}

// ---- timeouts (the harness has stopped the last host with SIGSTOP) ----------------------------

var timeoutChecks = []check{
	{"timeouts/write-timeout", checkWriteTimeout},
	{"timeouts/read-timeout", checkReadTimeout},
	{"timeouts/quorum-read-speculates", checkQuorumReadSpeculates},
	{"timeouts/unavailable-after-conviction", checkUnavailableAfterConviction},
}

// connectFirst opens the shared session on the first host only (the stopped one is never dialled).
func (e *env) connectFirst() error {
	if e.session != nil {
		return nil
	}
	c, p := e.newCluster()
	c.Hosts = e.hosts[:1]
	c.HostFilter = gocql.WhiteListHostFilter(e.hosts[0])
	e.observer = &queryRecorder{}
	c.QueryObserver = e.observer
	s, err := c.CreateSession()
	if err != nil {
		return err
	}
	e.session, e.policy = s, p
	return nil
}

func checkWriteTimeout(e *env) error {
	if err := e.connectFirst(); err != nil {
		return err
	}
	started := time.Now()
	err := e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 5000, "t").Consistency(gocql.All).Exec()
	elapsed := time.Since(started)
	var wt *gocql.RequestErrWriteTimeout
	if !errors.As(err, &wt) {
		return fmt.Errorf("ALL write with a stopped replica: want *RequestErrWriteTimeout, got %T %v", err, err)
	}
	if elapsed < time.Second {
		return fmt.Errorf("write timeout after %s, before write_request_timeout", elapsed)
	}
	if err := firstErr(expectEqual("Consistency", wt.Consistency, gocql.All), expectEqual("Received", wt.Received, 2),
		expectEqual("BlockFor", wt.BlockFor, 3), expectEqual("WriteType", wt.WriteType, "SIMPLE")); err != nil {
		return err
	}
	// QUORUM still succeeds with two replicas up.
	return e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 5001, "q").Consistency(gocql.Quorum).Exec()
}

func checkReadTimeout(e *env) error {
	if err := e.connectFirst(); err != nil {
		return err
	}
	err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), 1999).Consistency(gocql.All).Exec()
	var rt *gocql.RequestErrReadTimeout
	if !errors.As(err, &rt) {
		return fmt.Errorf("ALL read with a stopped replica: want *RequestErrReadTimeout, got %T %v", err, err)
	}
	return firstErr(expectEqual("Consistency", rt.Consistency, gocql.All), expectEqual("Received", rt.Received, 2), expectEqual("BlockFor", rt.BlockFor, 3))
}

// warmReads is how many QUORUM reads give the first node's read-latency tracker for rf3.kv enough
// samples (Cassia speculates only after 16) before the timeout scenario stops a replica.
const warmReads = 40

func checkQuorumReadsViaFirst(e *env) error {
	for i := 0; i < warmReads; i++ {
		var v string
		if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), 1000+i%9).Consistency(gocql.Quorum).WithContext(pinTo(e.hosts[0])).Scan(&v); err != nil {
			return err
		}
	}
	return nil
}

// checkQuorumReadSpeculates reads at QUORUM through the first node while the third is stopped but
// not yet convicted: a read whose second contact is the stopped node must be answered by the other
// replica after the speculative_retry delay (99p of recent reads), as in Cassandra.
func checkQuorumReadSpeculates(e *env) error {
	// A QUORUM read contacts two of the three replicas per key: over 24 keys the stopped node
	// is the other contact for some of them (each key: about one chance in two).
	for k := 1000; k < 1024; k++ {
		started := time.Now()
		if err := e.session.Query(fmt.Sprintf("SELECT v FROM %s.kv WHERE k = ?", clusterRF3), k).Consistency(gocql.Quorum).Exec(); err != nil {
			return fmt.Errorf("QUORUM read k=%d after %s: %w", k, time.Since(started), err)
		}
	}
	// Writes at QUORUM go on as well.
	return e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 5003, "q").Consistency(gocql.Quorum).Exec()
}

// convictionTimeout bounds the wait for the failure detector to mark the stopped node down.
const convictionTimeout = 75 * time.Second

func checkUnavailableAfterConviction(e *env) error {
	if err := e.connectFirst(); err != nil {
		return err
	}
	var ue *gocql.RequestErrUnavailable
	started := time.Now()
	if err := until("Unavailable for an ALL write", convictionTimeout, func() (bool, error) {
		err := e.session.Query(fmt.Sprintf("INSERT INTO %s.kv (k, v) VALUES (?, ?)", clusterRF3), 5002, "u").Consistency(gocql.All).Exec()
		var wt *gocql.RequestErrWriteTimeout
		if errors.As(err, &ue) {
			return true, nil
		}
		if errors.As(err, &wt) {
			return false, err // not convicted yet
		}
		return false, fmt.Errorf("unexpected %T %v", err, err)
	}); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "conviction observed %s after the first Unavailable poll\n", time.Since(started))
	return firstErr(expectEqual("Consistency", ue.Consistency, gocql.All), expectEqual("Required", ue.Required, 3), expectEqual("Alive", ue.Alive, 2))
}
