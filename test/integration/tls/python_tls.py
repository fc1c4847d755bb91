# PyPI cassandra-driver with an ssl.SSLContext against a Cassia node serving TLS on its native port
# (CASSIA_HOST, CASSIA_PORT, CASSIA_CA; CASSIA_CERT and CASSIA_KEY for a client certificate).
# The server's certificate is verified against the CA, host name included (its SAN holds the IP).
# Prints one JSON line and exits non-zero on the first failed check.
import json
import os
import ssl
import sys

from cassandra.cluster import Cluster, NoHostAvailable

HOST = os.environ["CASSIA_HOST"]
PORT = int(os.environ["CASSIA_PORT"])
EXPECT = os.environ.get("CASSIA_EXPECT", "ok")


def context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(os.environ["CASSIA_CA"])
    ctx.check_hostname = True
    ctx.verify_mode = ssl.CERT_REQUIRED
    if os.environ.get("CASSIA_CERT"):
        ctx.load_cert_chain(os.environ["CASSIA_CERT"], os.environ["CASSIA_KEY"])
    return ctx


cluster = Cluster([HOST], port=PORT, ssl_context=context(), ssl_options={"server_hostname": HOST}, connect_timeout=10)
try:
    session = cluster.connect()
except NoHostAvailable as e:
    print(json.dumps({"connected": False, "errors": [str(x) for x in e.errors.values()]}))
    sys.exit(0 if EXPECT == "refused" else 1)
try:
    version = session.execute("SELECT release_version FROM system.local").one().release_version
    session.execute("CREATE KEYSPACE IF NOT EXISTS tls_py WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}")
    session.execute("CREATE TABLE IF NOT EXISTS tls_py.kv (k text PRIMARY KEY, v int)")
    session.execute("INSERT INTO tls_py.kv (k, v) VALUES (%s, %s)", ("python", 42))
    value = session.execute("SELECT v FROM tls_py.kv WHERE k = %s", ("python",)).one().v
    print(json.dumps({"connected": True, "release_version": version, "value": value}))
    if EXPECT != "ok" or value != 42:
        sys.exit(1)
finally:
    cluster.shutdown()
