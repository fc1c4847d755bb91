// Value checks: every native CQL type round trip with gocql's Go types (typed Scan and MapScan),
// nulls, unset and empty values, counters, collections and their operations, UDTs (struct tags,
// maps, UDTMarshaler/UDTUnmarshaler) and tuples (expanded scan, structs, nested).
package main

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"sort"
	"time"

	"github.com/gocql/gocql"
	"gopkg.in/inf.v0"
)

// nativeRow holds one value of every native type, as gocql marshals them.
type nativeRow struct {
	a  string
	b  int64
	bl []byte
	bo bool
	d  time.Time
	de *inf.Dec
	db float64
	du gocql.Duration
	f  float32
	i  net.IP
	n  int
	s  int16
	t  time.Duration
	ts time.Time
	tu gocql.UUID
	ti int8
	u  gocql.UUID
	vc string
	vi *big.Int
}

const nativeColumns = "a, b, bl, bo, d, de, db, du, f, i, n, s, t, ts, tu, ti, u, vc, vi"

func (r *nativeRow) values() []interface{} {
	return []interface{}{r.a, r.b, r.bl, r.bo, r.d, r.de, r.db, r.du, r.f, r.i, r.n, r.s, r.t, r.ts, r.tu, r.ti, r.u, r.vc, r.vi}
}

func (r *nativeRow) dests() []interface{} {
	return []interface{}{&r.a, &r.b, &r.bl, &r.bo, &r.d, &r.de, &r.db, &r.du, &r.f, &r.i, &r.n, &r.s, &r.t, &r.ts, &r.tu, &r.ti, &r.u, &r.vc, &r.vi}
}

func mustUUID(s string) gocql.UUID {
	u, err := gocql.ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

func bigPow2(n uint, negate bool, add int64) *big.Int {
	v := new(big.Int).Lsh(big.NewInt(1), n)
	v.Add(v, big.NewInt(add))
	if negate {
		v.Neg(v)
	}
	return v
}

func nativeSamples() map[int]nativeRow {
	return map[int]nativeRow{
		1: {
			a: "plain ascii", b: 1 << 40, bl: []byte{0, 1, 2, 0xff}, bo: true,
			d: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), de: inf.NewDec(123456, 3), db: math.Pi,
			du: gocql.Duration{Months: 14, Days: 3, Nanoseconds: 3_600_000_000_123}, f: 1.5, i: net.ParseIP("192.0.2.1").To4(),
			n: 123456, s: 1234, t: 13*time.Hour + 45*time.Minute + 12*time.Second + 345678912,
			ts: time.Date(2024, 5, 6, 7, 8, 9, 123_000_000, time.UTC), tu: mustUUID("d2177dd0-eaa2-11de-a572-001b779c76e3"), ti: 12, u: mustUUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
			vc: "héllo ✓ 世界", vi: bigPow2(100, false, 0),
		},
		2: {
			a: "", b: math.MinInt64, bl: []byte{}, bo: false,
			d: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), de: inf.NewDec(-1, -5), db: math.Inf(-1),
			du: gocql.Duration{Months: -1, Days: -2, Nanoseconds: -3}, f: math.MaxFloat32, i: net.ParseIP("2001:db8::1"),
			n: math.MinInt32, s: math.MinInt16, t: 0,
			ts: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), tu: mustUUID("e2b6d8a0-1dd2-11b2-8080-808080808080"), ti: math.MinInt8,
			u: mustUUID("00000000-0000-0000-0000-000000000000"), vc: "", vi: bigPow2(127, true, 1),
		},
		3: {
			a: "~", b: math.MaxInt64, bl: []byte{0x00}, bo: true,
			d: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), de: inf.NewDec(0, 0), db: math.NaN(),
			du: gocql.Duration{}, f: -0.25, i: net.ParseIP("::1"),
			n: math.MaxInt32, s: math.MaxInt16, t: 24*time.Hour - 1,
			ts: time.Date(9999, 12, 31, 23, 59, 59, 999_000_000, time.UTC), tu: mustUUID("ffffffff-ffff-1fff-bfff-ffffffffffff"), ti: math.MaxInt8,
			u: mustUUID("ffffffff-ffff-ffff-ffff-ffffffffffff"), vc: "'quoted' \"text\"\n", vi: big.NewInt(0),
		},
	}
}

func compareNative(k int, got, want nativeRow) error {
	floatEq := func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
	checks := []struct {
		col string
		ok  bool
	}{
		{"a", got.a == want.a}, {"b", got.b == want.b}, {"bl", string(got.bl) == string(want.bl)}, {"bo", got.bo == want.bo},
		{"d", got.d.Equal(want.d)}, {"de", got.de != nil && got.de.String() == want.de.String()}, {"db", floatEq(got.db, want.db)},
		{"du", got.du == want.du}, {"f", got.f == want.f}, {"i", got.i.Equal(want.i)}, {"n", got.n == want.n}, {"s", got.s == want.s},
		{"t", got.t == want.t}, {"ts", got.ts.Equal(want.ts)}, {"tu", got.tu == want.tu}, {"ti", got.ti == want.ti},
		{"u", got.u == want.u}, {"vc", got.vc == want.vc}, {"vi", got.vi != nil && got.vi.Cmp(want.vi) == 0},
	}
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("k=%d column %s: got %+v, want %+v", k, c.col, got, want)
		}
	}
	return nil
}

func checkNativeRoundTrip(e *env) error {
	ins := fmt.Sprintf("INSERT INTO %s (k, %s) VALUES (?%s)", e.ks("alltypes"), nativeColumns, repeatMarker(19))
	sel := fmt.Sprintf("SELECT %s FROM %s WHERE k = ?", nativeColumns, e.ks("alltypes"))
	for k, want := range nativeSamples() {
		w := want
		if err := e.session.Query(ins, append([]interface{}{k}, w.values()...)...).Exec(); err != nil {
			return fmt.Errorf("insert k=%d: %w", k, err)
		}
		var got nativeRow
		if err := e.session.Query(sel, k).Scan(got.dests()...); err != nil {
			return fmt.Errorf("select k=%d: %w", k, err)
		}
		if err := compareNative(k, got, want); err != nil {
			return err
		}
		// (An empty blob scanned into a nil []byte stays nil: gocql appends to the destination.
		// types/nulls-unset-empty tells empty from null through a pointer.)
	}
	// Values written as CQL literals read back the same as bound ones.
	lit := fmt.Sprintf(`INSERT INTO %s (k, %s) VALUES (4, 'plain ascii', 1099511627776, 0x000102ff, true, '2024-02-29', 123.456,
		3.141592653589793, 1y2mo3d1h123ns, 1.5, '192.0.2.1', 123456, 1234, '13:45:12.345678912', '2024-05-06 07:08:09.123+0000',
		%s, 12, 6ba7b810-9dad-11d1-80b4-00c04fd430c8, 'héllo ✓ 世界', 1267650600228229401496703205376)`, e.ks("alltypes"), nativeColumns, nativeSamples()[1].tu)
	if err := e.exec(lit); err != nil {
		return err
	}
	var got nativeRow
	if err := e.session.Query(sel, 4).Scan(got.dests()...); err != nil {
		return err
	}
	return compareNative(4, got, nativeSamples()[1])
}

func repeatMarker(n int) string {
	s := ""
	for i := 0; i < n; i++ {
		s += ", ?"
	}
	return s
}

func checkNativeMapScan(e *env) error {
	iter := e.session.Query(fmt.Sprintf("SELECT k, %s FROM %s WHERE k = ?", nativeColumns, e.ks("alltypes")), 1).Iter()
	types := columnTypes(iter)
	row := map[string]interface{}{}
	if !iter.MapScan(row) {
		return fmt.Errorf("no row: %v", iter.Close())
	}
	if err := iter.Close(); err != nil {
		return err
	}
	wantGo := map[string]string{"k": "int", "a": "string", "b": "int64", "bl": "[]uint8", "bo": "bool", "d": "time.Time", "de": "*inf.Dec",
		"db": "float64", "du": "gocql.Duration", "f": "float32", "i": "string", "n": "int", "s": "int16", "t": "time.Duration",
		"ts": "time.Time", "tu": "gocql.UUID", "ti": "int8", "u": "gocql.UUID", "vc": "string", "vi": "*big.Int"}
	wantCql := map[string]string{"k": "int", "a": "ascii", "b": "bigint", "bl": "blob", "bo": "boolean", "d": "date", "de": "decimal",
		"db": "double", "du": "duration", "f": "float", "i": "inet", "n": "int", "s": "smallint", "t": "time", "ts": "timestamp",
		"tu": "timeuuid", "ti": "tinyint", "u": "uuid", "vc": "varchar", "vi": "varint"}
	for col, want := range wantGo {
		if got := fmt.Sprintf("%T", row[col]); got != want {
			return fmt.Errorf("MapScan %s: Go type %s, want %s", col, got, want)
		}
		if types[col] != wantCql[col] {
			return fmt.Errorf("result metadata %s: CQL type %s, want %s", col, types[col], wantCql[col])
		}
	}
	s := nativeSamples()[1]
	return firstErr(
		expectEqual("MapScan i", row["i"], "192.0.2.1"),
		expectEqual("MapScan du", row["du"], s.du),
		expectEqual("MapScan vi", row["vi"].(*big.Int).String(), s.vi.String()),
		expectEqual("MapScan de", row["de"].(*inf.Dec).String(), "123.456"),
		expectEqual("MapScan vc", row["vc"], s.vc),
	)
}

func checkNullsUnsetEmpty(e *env) error {
	tbl := e.ks("alltypes")
	// Every column bound to nil is null; scanning into pointers gives nil pointers.
	nils := make([]interface{}, 19)
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, %s) VALUES (?%s)", tbl, nativeColumns, repeatMarker(19)), append([]interface{}{10}, nils...)...).Exec(); err != nil {
		return err
	}
	var (
		a, vc *string
		bl    *[]byte
		n     *int
		ts    *time.Time
		vi    *big.Int
		de    *inf.Dec
		u     *gocql.UUID
	)
	if err := e.session.Query(fmt.Sprintf("SELECT a, vc, bl, n, ts, vi, de, u FROM %s WHERE k = ?", tbl), 10).Scan(&a, &vc, &bl, &n, &ts, &vi, &de, &u); err != nil {
		return err
	}
	if a != nil || vc != nil || bl != nil || n != nil || ts != nil || vi != nil || de != nil || u != nil {
		return fmt.Errorf("null columns scanned as non-nil: a=%v vc=%v bl=%v n=%v ts=%v vi=%v de=%v u=%v", a, vc, bl, n, ts, vi, de, u)
	}
	// MapScan of a null gives the Go zero value.
	row := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT n, vc, bl FROM %s WHERE k = ?", tbl), 10).MapScan(row); err != nil {
		return err
	}
	if err := firstErr(expectEqual("null int", row["n"], 0), expectEqual("null text", row["vc"], ""), expectEqual("null blob", len(row["bl"].([]byte)), 0)); err != nil {
		return err
	}
	// UnsetValue leaves a column as it was (protocol v4 unset, length -2).
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, n, vc) VALUES (?, ?, ?)", tbl), 11, 5, "before").Exec(); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, n, vc) VALUES (?, ?, ?)", tbl), 11, gocql.UnsetValue, "after").Exec(); err != nil {
		return err
	}
	var gn int
	var gvc string
	if err := e.session.Query(fmt.Sprintf("SELECT n, vc FROM %s WHERE k = ?", tbl), 11).Scan(&gn, &gvc); err != nil {
		return err
	}
	if err := firstErr(expectEqual("unset n", gn, 5), expectEqual("vc", gvc, "after")); err != nil {
		return err
	}
	// Empty blob and empty text are values, not nulls.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, bl, vc) VALUES (?, ?, ?)", tbl), 12, []byte{}, "").Exec(); err != nil {
		return err
	}
	var pbl *[]byte
	var pvc *string
	if err := e.session.Query(fmt.Sprintf("SELECT bl, vc FROM %s WHERE k = ?", tbl), 12).Scan(&pbl, &pvc); err != nil {
		return err
	}
	if pbl == nil || len(*pbl) != 0 || pvc == nil || *pvc != "" {
		return fmt.Errorf("empty values: bl=%v vc=%v", pbl, pvc)
	}
	return nil
}

func checkCounter(e *env) error {
	tbl := e.ks("counters")
	for i := 0; i < 5; i++ {
		if err := e.session.Query(fmt.Sprintf("UPDATE %s SET c = c + ?, d = d - ? WHERE k = ?", tbl), int64(10), int64(1), 1).Exec(); err != nil {
			return err
		}
	}
	var c, d int64
	if err := e.session.Query(fmt.Sprintf("SELECT c, d FROM %s WHERE k = ?", tbl), 1).Scan(&c, &d); err != nil {
		return err
	}
	row := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT c FROM %s WHERE k = ?", tbl), 1).MapScan(row); err != nil {
		return err
	}
	// Counters cannot be INSERTed.
	if _, err := requestError(e.session.Query(fmt.Sprintf("INSERT INTO %s (k, c) VALUES (?, ?)", tbl), 2, int64(1)).Exec(), gocql.ErrCodeInvalid); err != nil {
		return fmt.Errorf("INSERT into a counter table: %w", err)
	}
	return firstErr(expectEqual("c", c, int64(50)), expectEqual("d", d, int64(-5)), expectEqual("MapScan counter", row["c"], int64(50)))
}

type pair struct {
	N int
	S string
}

func checkCollectionsRoundTrip(e *env) error {
	tbl := e.ks("colls")
	u1, u2 := mustUUID("11111111-1111-4111-8111-111111111111"), mustUUID("22222222-2222-4222-8222-222222222222")
	t1 := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, l, s, m, nested, fs, lt, mt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", tbl),
		1, []int{3, 1, 2, 1}, []string{"b", "a", "c", "a"}, map[string]int{"x": 1, "y": 2},
		map[string][]int{"a": {1, 2}, "b": {3}}, []gocql.UUID{u2, u1}, []pair{{1, "one"}, {2, "two"}},
		map[time.Time][]byte{t1: {0xca, 0xfe}}).Exec(); err != nil {
		return err
	}
	var (
		l      []int
		s      []string
		m      map[string]int
		nested map[string][]int
		fs     []gocql.UUID
		lt     []pair
		mt     map[time.Time][]byte
	)
	if err := e.session.Query(fmt.Sprintf("SELECT l, s, m, nested, fs, lt, mt FROM %s WHERE k = ?", tbl), 1).Scan(&l, &s, &m, &nested, &fs, &lt, &mt); err != nil {
		return err
	}
	sort.Slice(fs, func(i, j int) bool { return fs[i].String() < fs[j].String() })
	if err := firstErr(
		expectEqual("list keeps order and duplicates", l, []int{3, 1, 2, 1}),
		expectEqual("set sorted and de-duplicated", s, []string{"a", "b", "c"}),
		expectEqual("map", m, map[string]int{"x": 1, "y": 2}),
		expectEqual("nested", nested, map[string][]int{"a": {1, 2}, "b": {3}}),
		expectEqual("frozen set", fs, []gocql.UUID{u1, u2}),
		expectEqual("list of tuples", lt, []pair{{1, "one"}, {2, "two"}}),
		expectEqual("map timestamp->blob", len(mt), 1),
		expectEqual("map timestamp->blob value", mt[t1], []byte{0xca, 0xfe}),
	); err != nil {
		return err
	}
	// MapScan types of collections.
	row := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT l, s, m, nested FROM %s WHERE k = ?", tbl), 1).MapScan(row); err != nil {
		return err
	}
	for col, want := range map[string]string{"l": "[]int", "s": "[]string", "m": "map[string]int", "nested": "map[string][]int"} {
		if got := fmt.Sprintf("%T", row[col]); got != want {
			return fmt.Errorf("MapScan %s: %s, want %s", col, got, want)
		}
	}
	// An empty collection is stored as nothing: null on read.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, l, s, m) VALUES (?, ?, ?, ?)", tbl), 2, []int{}, []string{}, map[string]int{}).Exec(); err != nil {
		return err
	}
	var pl *[]int
	var ps *[]string
	var pm *map[string]int
	if err := e.session.Query(fmt.Sprintf("SELECT l, s, m FROM %s WHERE k = ?", tbl), 2).Scan(&pl, &ps, &pm); err != nil {
		return err
	}
	if pl != nil || ps != nil || pm != nil {
		return fmt.Errorf("empty collections read as %v %v %v, want null", pl, ps, pm)
	}
	return nil
}

func checkCollectionOperations(e *env) error {
	tbl := e.ks("colls")
	k := 3
	steps := []struct {
		stmt   string
		values []interface{}
	}{
		{"INSERT INTO %s (k, l, s, m) VALUES (?, ?, ?, ?)", []interface{}{k, []int{2}, []string{"a"}, map[string]int{"a": 1}}},
		{"UPDATE %s SET l = l + ? WHERE k = ?", []interface{}{[]int{3, 4}, k}},
		{"UPDATE %s SET l = ? + l WHERE k = ?", []interface{}{[]int{0, 1}, k}},
		{"UPDATE %s SET l = l - ? WHERE k = ?", []interface{}{[]int{3}, k}},
		{"UPDATE %s SET l[0] = ? WHERE k = ?", []interface{}{-1, k}},
		{"UPDATE %s SET s = s + ? WHERE k = ?", []interface{}{[]string{"c", "b"}, k}},
		{"UPDATE %s SET s = s - ? WHERE k = ?", []interface{}{[]string{"a"}, k}},
		{"UPDATE %s SET m[?] = ? WHERE k = ?", []interface{}{"b", 2, k}},
		{"UPDATE %s SET m = m + ? WHERE k = ?", []interface{}{map[string]int{"c": 3, "a": 10}, k}},
		{"DELETE m[?] FROM %s WHERE k = ?", []interface{}{"b", k}},
		{"DELETE l[?] FROM %s WHERE k = ?", []interface{}{1, k}},
	}
	for _, st := range steps {
		if err := e.session.Query(fmt.Sprintf(st.stmt, tbl), st.values...).Exec(); err != nil {
			return fmt.Errorf("%s: %w", st.stmt, err)
		}
	}
	var l []int
	var s []string
	var m map[string]int
	if err := e.session.Query(fmt.Sprintf("SELECT l, s, m FROM %s WHERE k = ?", tbl), k).Scan(&l, &s, &m); err != nil {
		return err
	}
	if err := firstErr(
		expectEqual("list", l, []int{-1, 2, 4}),
		expectEqual("set", s, []string{"b", "c"}),
		expectEqual("map", m, map[string]int{"a": 10, "c": 3}),
	); err != nil {
		return err
	}
	// CONTAINS and CONTAINS KEY filters, and element selection.
	var n int
	if err := e.session.Query(fmt.Sprintf("SELECT count(*) FROM %s WHERE s CONTAINS ? ALLOW FILTERING", tbl), "c").Scan(&n); err != nil {
		return err
	}
	var ma int
	if err := e.session.Query(fmt.Sprintf("SELECT m[?] FROM %s WHERE k = ?", tbl), "a", k).Scan(&ma); err != nil {
		return err
	}
	return firstErr(expectEqual("CONTAINS count (k=1 and k=3)", n, 2), expectEqual("m['a']", ma, 10))
}

type address struct {
	Street string `cql:"street"`
	City   string `cql:"city"`
	Zip    int    `cql:"zip"`
}

type person struct {
	Name   string   `cql:"name"`
	Age    int      `cql:"age"`
	Addr   address  `cql:"addr"`
	Phones []string `cql:"phones"`
}

func checkUDTStruct(e *env) error {
	tbl := e.ks("people")
	p := person{Name: "Ada", Age: 36, Addr: address{"1 Loop", "London", 12345}, Phones: []string{"+44 1", "+44 2"}}
	others := []address{{"a", "b", 1}, {"c", "d", 2}}
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, p, a, others) VALUES (?, ?, ?, ?)", tbl), 1, p, address{"x", "y", 9}, others).Exec(); err != nil {
		return err
	}
	var gp person
	var ga address
	var go2 []address
	if err := e.session.Query(fmt.Sprintf("SELECT p, a, others FROM %s WHERE k = ?", tbl), 1).Scan(&gp, &ga, &go2); err != nil {
		return err
	}
	if err := firstErr(expectEqual("person", gp, p), expectEqual("address", ga, address{"x", "y", 9}), expectEqual("list of UDTs", go2, others)); err != nil {
		return err
	}
	// Field access and a single-field update of a non-frozen UDT.
	var city string
	if err := e.session.Query(fmt.Sprintf("SELECT p.addr.city FROM %s WHERE k = ?", tbl), 1).Scan(&city); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("UPDATE %s SET a.zip = ? WHERE k = ?", tbl), 10, 1).Exec(); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("SELECT a FROM %s WHERE k = ?", tbl), 1).Scan(&ga); err != nil {
		return err
	}
	// A struct without some fields leaves them null; null fields read as zero values.
	type partial struct {
		Name string `cql:"name"`
	}
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, p) VALUES (?, ?)", tbl), 2, partial{"Bob"}).Exec(); err != nil {
		return err
	}
	var gp2 person
	if err := e.session.Query(fmt.Sprintf("SELECT p FROM %s WHERE k = ?", tbl), 2).Scan(&gp2); err != nil {
		return err
	}
	return firstErr(expectEqual("p.addr.city", city, "London"), expectEqual("a after field update", ga, address{"x", "y", 10}),
		expectEqual("partial person", gp2, person{Name: "Bob"}))
}

// point is an address (de)serialized through gocql's UDTMarshaler / UDTUnmarshaler.
type point struct {
	fields map[string]string
}

func (p point) MarshalUDT(name string, info gocql.TypeInfo) ([]byte, error) {
	switch name {
	case "zip":
		return gocql.Marshal(info, len(p.fields["street"]))
	default:
		return gocql.Marshal(info, p.fields[name])
	}
}

func (p *point) UnmarshalUDT(name string, info gocql.TypeInfo, data []byte) error {
	if p.fields == nil {
		p.fields = map[string]string{}
	}
	if name == "zip" {
		var z int
		if err := gocql.Unmarshal(info, data, &z); err != nil {
			return err
		}
		p.fields[name] = fmt.Sprint(z)
		return nil
	}
	var s string
	if err := gocql.Unmarshal(info, data, &s); err != nil {
		return err
	}
	p.fields[name] = s
	return nil
}

func checkUDTMapAndMarshaler(e *env) error {
	tbl := e.ks("people")
	in := map[string]interface{}{"street": "Main", "city": "Paris", "zip": 75001}
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, a) VALUES (?, ?)", tbl), 3, in).Exec(); err != nil {
		return err
	}
	out := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT a FROM %s WHERE k = ?", tbl), 3).Scan(&out); err != nil {
		return err
	}
	if err := expectEqual("UDT as map", out, in); err != nil {
		return err
	}
	row := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT a FROM %s WHERE k = ?", tbl), 3).MapScan(row); err != nil {
		return err
	}
	if err := expectEqual("MapScan UDT", row["a"], in); err != nil {
		return err
	}
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, a) VALUES (?, ?)", tbl), 4, point{map[string]string{"street": "abcd", "city": "Rome"}}).Exec(); err != nil {
		return err
	}
	var p point
	if err := e.session.Query(fmt.Sprintf("SELECT a FROM %s WHERE k = ?", tbl), 4).Scan(&p); err != nil {
		return err
	}
	// The result metadata describes the UDT (keyspace, name, fields in order).
	iter := e.session.Query(fmt.Sprintf("SELECT a FROM %s WHERE k = ?", tbl), 4).Iter()
	cols := iter.Columns()
	_ = iter.Close()
	udt, ok := cols[0].TypeInfo.(gocql.UDTTypeInfo)
	if !ok {
		return fmt.Errorf("column a: TypeInfo %T, want gocql.UDTTypeInfo", cols[0].TypeInfo)
	}
	var fields []string
	for _, f := range udt.Elements {
		fields = append(fields, f.Name+" "+f.Type.Type().String())
	}
	return firstErr(
		expectEqual("UDTUnmarshaler fields", p.fields, map[string]string{"street": "abcd", "city": "Rome", "zip": "4"}),
		expectEqual("UDT keyspace", udt.KeySpace, e.keyspace),
		expectEqual("UDT name", udt.Name, "address"),
		expectEqual("UDT fields", fields, []string{"street varchar", "city varchar", "zip int"}),
	)
}

type innerTuple struct {
	S string
	B int64
}

func checkTuples(e *env) error {
	tbl := e.ks("tuples")
	// gocql 1.7 cannot bind a whole tuple to one marker of a prepared statement (it counts a tuple
	// column's elements as separate values: "expected 6 values send got 3"); its own tests bind the
	// elements inside a tuple literal, as here. Tuples inside collections bind whole (collections/roundtrip).
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, t, nt) VALUES (?, (?, ?, ?), (?, (?, ?)))", tbl), 1,
		7, "seven", []int{7, 77}, 1, "in", int64(1<<50)).Exec(); err != nil {
		return err
	}
	// A top-level tuple column is scanned into one destination per element; a nested one into a struct.
	var n, ntN int
	var s string
	var l []int
	var nt innerTuple
	if err := e.session.Query(fmt.Sprintf("SELECT t, nt FROM %s WHERE k = ?", tbl), 1).Scan(&n, &s, &l, &ntN, &nt); err != nil {
		return err
	}
	if err := firstErr(expectEqual("t.0", n, 7), expectEqual("t.1", s, "seven"), expectEqual("t.2", l, []int{7, 77}),
		expectEqual("nt.0", ntN, 1), expectEqual("nested tuple", nt, innerTuple{"in", 1 << 50})); err != nil {
		return err
	}
	// A tuple with a null element.
	if err := e.session.Query(fmt.Sprintf("INSERT INTO %s (k, t) VALUES (?, (?, ?, ?))", tbl), 2, 8, nil, nil).Exec(); err != nil {
		return err
	}
	var pn *int
	var ps *string
	var pl *[]int
	if err := e.session.Query(fmt.Sprintf("SELECT t FROM %s WHERE k = ?", tbl), 2).Scan(&pn, &ps, &pl); err != nil {
		return err
	}
	if pn == nil || *pn != 8 || ps != nil || pl != nil {
		return fmt.Errorf("tuple with nulls: %v %v %v", pn, ps, pl)
	}
	// MapScan gives a tuple column as its elements under "t[0]".. names.
	row := map[string]interface{}{}
	if err := e.session.Query(fmt.Sprintf("SELECT t FROM %s WHERE k = ?", tbl), 1).MapScan(row); err != nil {
		return err
	}
	if len(row) == 0 {
		return errors.New("MapScan of a tuple column: empty map")
	}
	return nil
}
