"""The PyPI cassandra-driver against a three-node Cassia cluster (run by python-driver.test.ts).

Discovers every host, routes by token (the host a request goes to is the replica the driver
computes), writes and reads at every consistency level, runs LWTs and a SERIAL read. Exits
non-zero on the first failed check.
"""
import os
import sys

from cassandra import ConsistencyLevel
from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
from cassandra.policies import DCAwareRoundRobinPolicy, TokenAwarePolicy
from cassandra.query import SimpleStatement

HOSTS = os.environ["CASSIA_HOSTS"].split(",")
PORT = int(os.environ["CASSIA_PORT"])


def check(condition, what):
    if not condition:
        raise AssertionError(what)


profile = ExecutionProfile(load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy(local_dc="dc1")), request_timeout=20)
cluster = Cluster(HOSTS[:1], port=PORT, execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=4)
session = cluster.connect()
hosts = sorted(h.address for h in cluster.metadata.all_hosts())
check(hosts == sorted(HOSTS), "discovered hosts %r" % hosts)

session.execute("CREATE KEYSPACE IF NOT EXISTS pyone WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
session.execute("CREATE TABLE IF NOT EXISTS pyone.kv (k int PRIMARY KEY, v text)")
session.execute("CREATE KEYSPACE IF NOT EXISTS pythree WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3}")
session.execute("CREATE TABLE IF NOT EXISTS pythree.kv (k int PRIMARY KEY, v text)")
check(cluster.control_connection.wait_for_schema_agreement(wait_time=20), "schema agreement")

# Token-aware routing: each request goes to the single replica the driver computes.
insert_one = session.prepare("INSERT INTO pyone.kv (k, v) VALUES (?, ?)")
insert_one.consistency_level = ConsistencyLevel.ONE
owners = set()
# At least 60 keys, and on until every node has been the replica of one (a node can own a small
# share of the ring when the three chose their tokens at about the same time).
k = -1
while k < 59 or (len(owners) < 3 and k < 1999):
    k += 1
    bound = insert_one.bind((k, "v%d" % k))
    replicas = cluster.metadata.get_replicas("pyone", bound.routing_key)
    check(len(replicas) == 1, "one replica for key %d" % k)
    future = session.execute_async(bound)
    future.result()
    queried = future._current_host  # the host that answered
    check(queried.address == replicas[0].address, "key %d went to %s, replica is %s" % (k, queried.address, replicas[0].address))
    owners.add(replicas[0].address)
check(len(owners) == 3, "keys spread over the three nodes: %r after %d keys" % (owners, k + 1))
token_rows = session.execute("SELECT k, token(k) FROM pyone.kv")
for row in token_rows:
    expected = cluster.metadata.token_map.token_class.from_key(insert_one.bind((row[0], "")).routing_key).value
    check(row[1] == expected, "token of %d: server %d, driver %d" % (row[0], row[1], expected))

levels = [
    ConsistencyLevel.ONE, ConsistencyLevel.TWO, ConsistencyLevel.THREE, ConsistencyLevel.QUORUM, ConsistencyLevel.ALL,
    ConsistencyLevel.LOCAL_ONE, ConsistencyLevel.LOCAL_QUORUM, ConsistencyLevel.EACH_QUORUM,
]
insert = session.prepare("INSERT INTO pythree.kv (k, v) VALUES (?, ?)")
select = session.prepare("SELECT v FROM pythree.kv WHERE k = ?")
insert_all = session.prepare("INSERT INTO pythree.kv (k, v) VALUES (?, ?)")
insert_all.consistency_level = ConsistencyLevel.ALL
select_all = session.prepare("SELECT v FROM pythree.kv WHERE k = ?")
select_all.consistency_level = ConsistencyLevel.ALL
# Writes at each level are read back at ALL; reads at each level follow writes at ALL (W + R <= RF
# gives no read-your-write guarantee, in Cassandra as here).
for level in levels:
    name = ConsistencyLevel.value_to_name[level]
    insert.consistency_level = level
    select.consistency_level = level
    for k in range(10):
        session.execute(insert, (k, "w-%s-%d" % (name, k)))
        got = session.execute(select_all, (k,)).one()
        check(got is not None and got.v == "w-%s-%d" % (name, k), "write at %s read back %r" % (name, got))
        session.execute(insert_all, (k, "r-%s-%d" % (name, k)))
        got = session.execute(select, (k,)).one()
        check(got is not None and got.v == "r-%s-%d" % (name, k), "read at %s got %r" % (name, got))
insert.consistency_level = ConsistencyLevel.ANY
session.execute(insert, (500, "any"))
check(session.execute(SimpleStatement("SELECT v FROM pythree.kv WHERE k = 500", consistency_level=ConsistencyLevel.ALL)).one().v == "any", "ANY write")

first = session.execute("INSERT INTO pythree.kv (k, v) VALUES (600, 'a') IF NOT EXISTS")
check(first.was_applied, "first IF NOT EXISTS applies")
second = session.execute("INSERT INTO pythree.kv (k, v) VALUES (600, 'b') IF NOT EXISTS")
check(not second.was_applied and second.one().v == "a", "second IF NOT EXISTS reports the current row: %r" % (second.one(),))
cas = session.execute(SimpleStatement("UPDATE pythree.kv SET v = 'c' WHERE k = 600 IF v = 'a'", serial_consistency_level=ConsistencyLevel.LOCAL_SERIAL))
check(cas.was_applied, "conditional update applies")
serial = session.execute(SimpleStatement("SELECT v FROM pythree.kv WHERE k = 600", consistency_level=ConsistencyLevel.SERIAL)).one()
check(serial.v == "c", "SERIAL read sees the committed value")

count = session.execute(SimpleStatement("SELECT count(*) FROM pythree.kv", consistency_level=ConsistencyLevel.QUORUM, fetch_size=3)).one()[0]
check(count == 12, "count over the ring: %d" % count)
cluster.shutdown()
print("python driver: %d hosts, token routing over %d keys, %d consistency levels, LWT and SERIAL ok" % (len(hosts), 60, len(levels)))
