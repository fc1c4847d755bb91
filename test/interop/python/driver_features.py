"""The Python driver beyond the seed example: prepared statements (the guide's useractivity
lookup), %s parameters of every literal form, BatchStatement, paging, LWT was_applied, token()
equal to the driver's Murmur3 for text/bigint/composite keys, errors mapped to driver exceptions,
consistency levels, schema metadata after DDL."""
import datetime
import decimal
import uuid

from cassandra import ConsistencyLevel, InvalidRequest
from cassandra.cluster import Cluster
from cassandra.metadata import Murmur3Token
from cassandra.query import BatchStatement, BatchType, SimpleStatement, ValueSequence, dict_factory
from cassandra.util import Date, Duration, Time

from cassia_env import HOST, PORT, driver_banner, expect_equal, expect_raises

driver_banner()
cluster = Cluster([HOST], port=PORT)
session = cluster.connect()
print("protocol version", cluster.protocol_version)
session.execute("DROP KEYSPACE IF EXISTS pyfeat")
session.execute("CREATE KEYSPACE pyfeat WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.set_keyspace("pyfeat")

# --- The guide's prepared statement on its UserActivity table -----------------------------------
session.execute("""CREATE TABLE useractivity (user_id uuid, timestamp timestamp, activity_type text, metadata map<text, text>,
                   PRIMARY KEY (user_id, timestamp)) WITH CLUSTERING ORDER BY (timestamp DESC)""")
my_user_id = uuid.uuid4()
insert = session.prepare("INSERT INTO useractivity (user_id, timestamp, activity_type, metadata) VALUES (?, ?, ?, ?)")
base = datetime.datetime(2024, 1, 1, 12, 0, 0)
for i in range(7):
    session.execute(insert, [my_user_id, base + datetime.timedelta(minutes=i), "view%d" % i, {"page": str(i)}])
prepared = session.prepare("SELECT * FROM useractivity WHERE user_id = ?")
rows = list(session.execute(prepared, [my_user_id]))
expect_equal([r.activity_type for r in rows], ["view%d" % i for i in reversed(range(7))], "DESC clustering order")
expect_equal(rows[0].metadata, {"page": "6"}, "map column")
expect_equal(prepared.routing_key_indexes, [0], "routing key indexes")

# --- %s parameters: every literal form the driver interpolates client-side ----------------------
session.execute("""CREATE TABLE lit (k int PRIMARY KEY, t text, b blob, u uuid, tu timeuuid, ts timestamp, d date, tm time,
                   db double, f float, dec decimal, vi varint, bi bigint, bo boolean, ip inet, du duration,
                   l list<int>, s set<text>, m map<text, int>, tup tuple<int, text>, n int)""")
values = (1, "it's", b"\x00\xff", uuid.UUID("f47ac10b-58cc-4372-a567-0e02b2c3d479"), uuid.UUID("50554d6e-29bb-11e5-b345-feff819cdc9f"),
          datetime.datetime(1969, 12, 31, 23, 59, 59), datetime.date(1900, 1, 1), datetime.time(23, 59, 59, 999999), float("nan"),
          float("-inf"), decimal.Decimal("-12.345"), 123456789012345678901234567890, -9223372036854775808, True, "::1",
          Duration(1, 2, 3), [3, 1], {"b", "a"}, {"x": 1}, ValueSequence((7, "seven")), None)
session.execute("INSERT INTO lit (k, t, b, u, tu, ts, d, tm, db, f, dec, vi, bi, bo, ip, du, l, s, m, tup, n) VALUES (%s)" % ", ".join(["%s"] * 21), values)
row = session.execute("SELECT * FROM lit WHERE k = %s", (1,)).one()
expect_equal(row.t, "it's", "text")
expect_equal(row.b, b"\x00\xff", "blob")
expect_equal(row.ts, datetime.datetime(1969, 12, 31, 23, 59, 59), "timestamp before 1970")
expect_equal(row.d, Date(datetime.date(1900, 1, 1)), "date")
expect_equal(row.tm, Time(datetime.time(23, 59, 59, 999999)), "time")
expect_equal(row.db != row.db, True, "NaN")
expect_equal(row.f, float("-inf"), "-Infinity")
expect_equal(row.dec, decimal.Decimal("-12.345"), "decimal")
expect_equal(row.vi, 123456789012345678901234567890, "varint")
expect_equal(row.bi, -9223372036854775808, "bigint")
expect_equal(str(row.ip), "::1", "inet")
expect_equal(row.du, Duration(1, 2, 3), "duration")
expect_equal((row.l, sorted(row.s), dict(row.m), row.tup, row.n), ([3, 1], ["a", "b"], {"x": 1}, (7, "seven"), None), "collections")
# The same values bound to a prepared statement.
bound = session.prepare("INSERT INTO lit (k, t, b, u, tu, ts, d, tm, db, f, dec, vi, bi, bo, ip, du, l, s, m, tup, n) VALUES (%s)" % ", ".join(["?"] * 21))
session.execute(bound, (2,) + values[1:19] + ((7, "seven"), None))
row2 = session.execute("SELECT dec, vi, ts, tup FROM lit WHERE k = 2").one()
expect_equal((row2.dec, row2.vi, row2.ts, row2.tup), (row.dec, row.vi, row.ts, row.tup), "prepared round trip")
# IN with a tuple parameter, as the driver interpolates it.
expect_equal(sorted(r.k for r in session.execute("SELECT k FROM lit WHERE k IN %s", (ValueSequence((1, 2, 3)),))), [1, 2], "IN %s")
# A plain Python tuple is sent as a list literal, which a tuple column refuses (as Cassandra does).
expect_raises(InvalidRequest, lambda: session.execute("INSERT INTO lit (k, tup) VALUES (%s, %s)", (3, (1, "x"))), "tuple as list literal", "Invalid list literal for tup")

# --- Batches, consistency levels, LWT -------------------------------------------------------------
session.execute("CREATE TABLE users (id int PRIMARY KEY, name text)")
# The guide's replication chapter passes consistency_level= to Session.execute, which has no such
# parameter (TypeError in the client); the level belongs on the statement.
expect_raises(TypeError, lambda: session.execute("INSERT INTO users (id, name) VALUES (%s, %s)", [1, "Alice"], consistency_level=ConsistencyLevel.QUORUM),
              "guide's consistency_level keyword", "consistency_level")
session.execute(SimpleStatement("INSERT INTO users (id, name) VALUES (%s, %s)", consistency_level=ConsistencyLevel.QUORUM), [1, "Alice"])
batch = BatchStatement(batch_type=BatchType.LOGGED)
batch.add(SimpleStatement("INSERT INTO users (id, name) VALUES (%s, %s)"), (2, "Bob"))
batch.add(session.prepare("INSERT INTO users (id, name) VALUES (?, ?)"), (3, "Carol"))
session.execute(batch)
expect_equal(sorted((r.id, r.name) for r in session.execute("SELECT * FROM users")), [(1, "Alice"), (2, "Bob"), (3, "Carol")], "batch")
applied = session.execute("INSERT INTO users (id, name) VALUES (4, 'Dan') IF NOT EXISTS")
expect_equal(applied.was_applied, True, "LWT applied")
not_applied = session.execute("INSERT INTO users (id, name) VALUES (4, 'Eve') IF NOT EXISTS")
expect_equal(not_applied.was_applied, False, "LWT not applied")
expect_equal(not_applied.one().name, "Dan", "LWT current value")
cond = session.execute("UPDATE users SET name = 'Dave' WHERE id = 4 IF name = 'Dan'")
expect_equal(cond.was_applied, True, "LWT IF applied")

# --- Paging ----------------------------------------------------------------------------------------
session.execute("CREATE TABLE pg (p int, c int, PRIMARY KEY (p, c))")
ins = session.prepare("INSERT INTO pg (p, c) VALUES (?, ?)")
for p in range(4):
    for c in range(30):
        session.execute(ins, (p, c))
result = session.execute(SimpleStatement("SELECT * FROM pg", fetch_size=11))
expect_equal(len(result.current_rows), 11, "first page size")
expect_equal(len(list(result)), 120, "all rows through paging")
first = session.execute(SimpleStatement("SELECT c FROM pg WHERE p = 1", fetch_size=10))
resumed = session.execute(SimpleStatement("SELECT c FROM pg WHERE p = 1", fetch_size=10), paging_state=first.paging_state)
expect_equal([r.c for r in resumed.current_rows], list(range(10, 20)), "resume from paging_state")

# --- token() equals the driver's Murmur3 (tests/integration/standard/test_routing.py style) -------
session.execute("CREATE TABLE rt_text (k text PRIMARY KEY)")
session.execute("CREATE TABLE rt_big (k bigint PRIMARY KEY)")
session.execute("CREATE TABLE rt_comp (a text, b int, c text, PRIMARY KEY ((a, b), c))")
for k in ["a", "key", "\u00fcnicode", "x" * 300]:
    session.execute("INSERT INTO rt_text (k) VALUES (%s)", (k,))
for k in [0, -1, 2 ** 63 - 1, -2 ** 63, 42]:
    session.execute("INSERT INTO rt_big (k) VALUES (%s)", (k,))
session.execute("INSERT INTO rt_comp (a, b, c) VALUES ('x', 1, 'y')")
for table in ["rt_text", "rt_big", "rt_comp"]:
    meta = cluster.metadata.keyspaces["pyfeat"].tables[table]
    key_names = [c.name for c in meta.partition_key]
    query = "SELECT %s, token(%s) AS t FROM %s" % (", ".join(key_names), ", ".join(key_names), table)
    select = session.prepare("SELECT * FROM %s WHERE %s" % (table, " AND ".join("%s = ?" % n for n in key_names)))
    for r in session.execute(query):
        bound_statement = select.bind([getattr(r, n) for n in key_names])
        expect_equal(r.t, Murmur3Token.from_key(bound_statement.routing_key).value, "token(%s) for %r" % (table, r))
    # The driver's own token map routes the key to this node.
    expect_equal(len(cluster.metadata.get_replicas("pyfeat", bound_statement.routing_key)), 1, "replicas of a key")

# --- Errors map to the driver's exceptions ---------------------------------------------------------
expect_raises(InvalidRequest, lambda: session.execute("SELECT * FROM nope"), "unknown table", "nope")
expect_raises(InvalidRequest, lambda: session.execute("SELECT * FROM users WHERE name = 'x'"), "filtering", "ALLOW FILTERING")
expect_raises(InvalidRequest, lambda: session.execute("INSERT INTO users (id, name) VALUES ('x', 'y')"), "type mismatch")
from cassandra.protocol import SyntaxException
expect_raises(SyntaxException, lambda: session.execute("SELEC * FROM users"), "syntax error")

# --- Row factories and metadata after DDL -----------------------------------------------------------
session.row_factory = dict_factory
expect_equal(session.execute("SELECT id, name FROM users WHERE id = 1").one(), {"id": 1, "name": "Alice"}, "dict_factory")
session.execute("ALTER TABLE users ADD email text")
expect_equal("email" in cluster.metadata.keyspaces["pyfeat"].tables["users"].columns, True, "metadata refreshed after ALTER")
session.execute("CREATE TYPE addr (street text, zip int)")
session.execute("CREATE TABLE people (k int PRIMARY KEY, home frozen<addr>)")
session.execute("INSERT INTO people (k, home) VALUES (1, {street: 'Main', zip: 1})")
home = session.execute("SELECT home FROM people WHERE k = 1").one()["home"]
expect_equal((home.street, home.zip), ("Main", 1), "UDT value")
session.execute("DROP KEYSPACE pyfeat")
cluster.shutdown()
print("driver features: ok")
