# PyPI cassandra-driver with PlainTextAuthProvider against a Cassia node running
# PasswordAuthenticator (CASSIA_HOST, CASSIA_PORT). Exits non-zero on the first failed check.
import os
import sys

from cassandra import AuthenticationFailed
from cassandra.auth import PlainTextAuthProvider
from cassandra.cluster import Cluster, NoHostAvailable

HOST = os.environ.get("CASSIA_HOST", "127.0.0.1")
PORT = int(os.environ.get("CASSIA_PORT", "9042"))


def connect(user, password):
    cluster = Cluster([HOST], port=PORT, auth_provider=PlainTextAuthProvider(username=user, password=password), connect_timeout=10)
    return cluster, cluster.connect()


def check(condition, message):
    if not condition:
        print("FAILED: " + message)
        sys.exit(1)


cluster, session = connect("cassandra", "cassandra")
rows = list(session.execute("LIST ROLES"))
check([r.role for r in rows] == ["cassandra"], "LIST ROLES as cassandra: %r" % (rows,))
check(rows[0].super is True and rows[0].login is True and rows[0].datacenters == "ALL", "cassandra row: %r" % (rows[0],))
session.execute("CREATE ROLE IF NOT EXISTS py_app WITH PASSWORD = 'py-pw' AND LOGIN = true")
cluster.shutdown()

try:
    bad_cluster, _ = connect("cassandra", "wrong")
    bad_cluster.shutdown()
    check(False, "a wrong password was accepted")
except NoHostAvailable as e:
    errors = list(e.errors.values())
    check(len(errors) == 1 and isinstance(errors[0], AuthenticationFailed), "expected AuthenticationFailed, got %r" % (errors,))
    check("Provided username cassandra and/or password are incorrect" in str(errors[0]), "message: %s" % (errors[0],))

cluster, session = connect("py_app", "py-pw")
rows = list(session.execute("LIST ROLES"))
check([r.role for r in rows] == ["py_app"], "LIST ROLES as py_app: %r" % (rows,))
cluster.shutdown()
print("python auth ok")
