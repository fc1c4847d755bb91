// gocql interop runner: an unmodified gocql (github.com/gocql/gocql) drives a running Cassia node
// or cluster through named checks and prints one JSON line per check plus a summary line.
// The vitest file gocql.test.ts builds this program (cached) and asserts every check passed.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gocql/gocql"
)

// checkTimeout bounds one check; a check that needs longer (conviction of a stopped node) has its own bound inside.
const checkTimeout = 90 * time.Second

type check struct {
	name string
	run  func(e *env) error
}

// env is what every check receives: the options, a shared session and what it observed.
type env struct {
	hosts       []string
	port        int
	dc          string
	clusterName string
	keyspace    string
	username    string // PasswordAuthenticator credentials of every session ("" = none)
	password    string
	session     *gocql.Session
	observer    *queryRecorder
	policy      *pinningPolicy
}

type result struct {
	Scenario string  `json:"scenario"`
	Check    string  `json:"check"`
	Ok       bool    `json:"ok"`
	Ms       float64 `json:"ms"`
	Error    string  `json:"error,omitempty"`
}

type summary struct {
	Scenario string  `json:"scenario"`
	Summary  bool    `json:"summary"`
	Passed   int     `json:"passed"`
	Failed   int     `json:"failed"`
	Ms       float64 `json:"ms"`
}

func main() {
	hosts := flag.String("hosts", "127.0.0.1", "comma-separated contact points")
	port := flag.Int("port", 9042, "CQL port (the same on every host)")
	dc := flag.String("dc", "dc1", "data center the nodes report")
	clusterName := flag.String("cluster-name", "cassia-test", "cluster_name the nodes report")
	scenario := flag.String("scenario", "single", "single | cluster | timeouts | auth")
	username := flag.String("username", "", "PasswordAuthenticator user of every session")
	password := flag.String("password", "", "PasswordAuthenticator password")
	only := flag.String("only", "", "run only the checks whose name contains this")
	list := flag.Bool("list", false, "print the check names of the scenario and exit")
	flag.Parse()

	checks, ok := scenarios[*scenario]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown scenario %q\n", *scenario)
		os.Exit(2)
	}
	if *list {
		for _, c := range checks {
			fmt.Println(c.name)
		}
		return
	}
	e := &env{hosts: strings.Split(*hosts, ","), port: *port, dc: *dc, clusterName: *clusterName, keyspace: "gocql_" + *scenario,
		username: *username, password: *password}
	started := time.Now()
	out := json.NewEncoder(os.Stdout)
	passed, failed := 0, 0
	// Every check shares one session (the timeout scenario's avoids the stopped node).
	var connectErr error
	if *scenario == "timeouts" {
		connectErr = e.connectFirst()
	} else {
		connectErr = e.connect()
	}
	for _, c := range checks {
		if *only != "" && !strings.Contains(c.name, *only) {
			continue
		}
		t := time.Now()
		err := connectErr
		if err == nil {
			err = runBounded(e, c)
		} else {
			err = fmt.Errorf("no session: %w", err)
		}
		r := result{Scenario: *scenario, Check: c.name, Ok: err == nil, Ms: msSince(t)}
		if err != nil {
			r.Error = err.Error()
			failed++
		} else {
			passed++
		}
		_ = out.Encode(r)
	}
	if e.session != nil {
		e.session.Close()
	}
	_ = out.Encode(summary{Scenario: *scenario, Summary: true, Passed: passed, Failed: failed, Ms: msSince(started)})
	if failed > 0 {
		os.Exit(1)
	}
}

// runBounded runs one check, turning a panic or an overrun into the check's error.
func runBounded(e *env, c check) (err error) {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- c.run(e)
	}()
	select {
	case err = <-done:
		return err
	case <-time.After(checkTimeout):
		return fmt.Errorf("check did not finish within %s", checkTimeout)
	}
}

func msSince(t time.Time) float64 {
	return float64(time.Since(t).Microseconds()) / 1000
}

// newCluster is the configuration every session starts from: the contact points, a token-aware
// policy that a query may pin to one host (pinTo), no client-side retries (errors reach the check
// as the server sent them), and generous client timeouts (server-side timeouts must win).
func (e *env) newCluster() (*gocql.ClusterConfig, *pinningPolicy) {
	c := gocql.NewCluster(e.hosts...)
	c.Port = e.port
	c.Timeout = 15 * time.Second
	c.ConnectTimeout = 10 * time.Second
	c.RetryPolicy = &gocql.SimpleRetryPolicy{NumRetries: 0}
	c.MaxWaitSchemaAgreement = 30 * time.Second
	p := newPinningPolicy(gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy()))
	c.PoolConfig.HostSelectionPolicy = p
	if e.username != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: e.username, Password: e.password}
	}
	return c, p
}

// connect opens the shared session (once) with an observer of every query.
func (e *env) connect() error {
	if e.session != nil {
		return nil
	}
	c, p := e.newCluster()
	e.observer = &queryRecorder{}
	c.QueryObserver = e.observer
	s, err := c.CreateSession()
	if err != nil {
		return err
	}
	e.session, e.policy = s, p
	return nil
}

func (e *env) ks(table string) string { return e.keyspace + "." + table }

// exec runs statements in order, stopping at the first error (wrapped with the statement).
func (e *env) exec(stmts ...string) error {
	for _, s := range stmts {
		if err := e.session.Query(s).Exec(); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

// ---- assertions ------------------------------------------------------------------------------

func expectEqual(what string, got, want interface{}) error {
	if !reflect.DeepEqual(got, want) {
		return fmt.Errorf("%s: got %#v (%T), want %#v (%T)", what, got, got, want, want)
	}
	return nil
}

// firstErr returns the first non-nil error of a list of assertions.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// requestError unwraps err to the server's error frame and checks its code.
func requestError(err error, code int) (gocql.RequestError, error) {
	if err == nil {
		return nil, fmt.Errorf("expected server error 0x%04x, the request succeeded", code)
	}
	var re gocql.RequestError
	if !errors.As(err, &re) {
		return nil, fmt.Errorf("expected server error 0x%04x, got %T: %v", code, err, err)
	}
	if re.Code() != code {
		return nil, fmt.Errorf("expected server error 0x%04x, got 0x%04x: %s", code, re.Code(), re.Message())
	}
	return re, nil
}

// until polls cond every 100 ms until it holds or timeout passes.
func until(what string, timeout time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ok, err := cond()
		if ok {
			return nil
		}
		lastErr = err
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s waiting for %s (last error: %v)", timeout, what, lastErr)
}

// ---- observation and host pinning ----------------------------------------------------------

// queryRecorder hands the queries observed while a capture runs to that capture (bounded buffer).
type queryRecorder struct {
	sink atomic.Pointer[chan gocql.ObservedQuery]
}

// capturedQueriesMax bounds what one capture keeps; later observations are dropped.
const capturedQueriesMax = 4096

func (r *queryRecorder) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	ch := r.sink.Load()
	if ch == nil {
		return
	}
	select {
	case *ch <- q:
	default:
	}
}

// capture runs fn and returns the queries it issued (as observed, in order; not safe to nest).
func (r *queryRecorder) capture(fn func() error) ([]gocql.ObservedQuery, error) {
	ch := make(chan gocql.ObservedQuery, capturedQueriesMax)
	r.sink.Store(&ch)
	err := fn()
	r.sink.Store(nil)
	var seen []gocql.ObservedQuery
	for {
		select {
		case q := <-ch:
			seen = append(seen, q)
		default:
			return seen, err
		}
	}
}

type pinKey struct{}

// pinTo makes a query (through its context) go to the host whose connect address is addr.
func pinTo(addr string) context.Context {
	return context.WithValue(context.Background(), pinKey{}, addr)
}

// pinningPolicy wraps a HostSelectionPolicy: a query whose context names a host goes there only;
// every other query is routed by the wrapped policy.
type pinningPolicy struct {
	gocql.HostSelectionPolicy
	hosts chan map[string]*gocql.HostInfo // a one-slot mutex holding the known hosts
}

func newPinningPolicy(inner gocql.HostSelectionPolicy) *pinningPolicy {
	p := &pinningPolicy{HostSelectionPolicy: inner, hosts: make(chan map[string]*gocql.HostInfo, 1)}
	p.hosts <- map[string]*gocql.HostInfo{}
	return p
}

func (p *pinningPolicy) AddHost(h *gocql.HostInfo) {
	m := <-p.hosts
	m[h.ConnectAddress().String()] = h
	p.hosts <- m
	p.HostSelectionPolicy.AddHost(h)
}

func (p *pinningPolicy) RemoveHost(h *gocql.HostInfo) {
	m := <-p.hosts
	delete(m, h.ConnectAddress().String())
	p.hosts <- m
	p.HostSelectionPolicy.RemoveHost(h)
}

// Known returns the hosts the driver learned from system.local and system.peers.
func (p *pinningPolicy) Known() map[string]*gocql.HostInfo {
	m := <-p.hosts
	out := make(map[string]*gocql.HostInfo, len(m))
	for k, v := range m {
		out[k] = v
	}
	p.hosts <- m
	return out
}

type pinnedHost struct{ h *gocql.HostInfo }

func (s pinnedHost) Info() *gocql.HostInfo { return s.h }
func (s pinnedHost) Mark(error)            {}

func (p *pinningPolicy) Pick(q gocql.ExecutableQuery) gocql.NextHost {
	if q != nil && q.Context() != nil {
		if addr, ok := q.Context().Value(pinKey{}).(string); ok {
			h := p.Known()[addr]
			used := false
			return func() gocql.SelectedHost {
				if used || h == nil {
					return nil
				}
				used = true
				return pinnedHost{h}
			}
		}
	}
	return p.HostSelectionPolicy.Pick(q)
}

var scenarios = map[string][]check{
	"single":   singleChecks,
	"cluster":  clusterChecks,
	"timeouts": timeoutChecks,
	"auth":     authChecks,
}

// serialRead is SERIAL as a read consistency (gocql types it as a SerialConsistency only).
const serialRead = gocql.Consistency(gocql.Serial)
