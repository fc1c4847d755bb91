"""The seed guide's Python example, verbatim except for the contact point (the node under test
listens on a free port), followed by checks of what it printed and stored."""
import contextlib
import io

from cassia_env import HOST, PORT, driver_banner, expect_equal

driver_banner()
output = io.StringIO()
with contextlib.redirect_stdout(output):
    # ---- verbatim from the guide (Cluster(['127.0.0.1']) -> Cluster([HOST], port=PORT)) ----
    from cassandra.cluster import Cluster
    from cassandra.query import SimpleStatement

    # Connect to Cassandra cluster
    cluster = Cluster([HOST], port=PORT)  # Replace with your Cassandra node IP
    session = cluster.connect()

    # Create a keyspace
    session.execute('''
    CREATE KEYSPACE IF NOT EXISTS demo
    WITH REPLICATION = {
        'class': 'SimpleStrategy',
        'replication_factor': 1
    }
    ''')

    # Use the keyspace
    session.set_keyspace('demo')

    # Create a table
    session.execute('''
    CREATE TABLE IF NOT EXISTS users (
        user_id UUID PRIMARY KEY,
        name TEXT,
        email TEXT
    )
    ''')

    # Insert data
    from uuid import uuid4
    session.execute(
        "INSERT INTO users (user_id, name, email) VALUES (%s, %s, %s)",
        (uuid4(), 'Alice', 'alice@example.com')
    )

    # Read data
    rows = session.execute('SELECT * FROM users')
    for row in rows:
        print(f"User: {row.name}, Email: {row.email}")

    # Close connection
    cluster.shutdown()
    # ---- end of the guide's example ----

printed = output.getvalue()
print(printed, end="")
expect_equal(printed, "User: Alice, Email: alice@example.com\n", "printed rows")

# What the example left behind, read with a fresh cluster object.
cluster = Cluster([HOST], port=PORT)
session = cluster.connect("demo")
meta = cluster.metadata.keyspaces["demo"]
expect_equal(meta.replication_strategy.replication_factor, 1, "replication factor")
expect_equal(sorted(meta.tables["users"].columns.keys()), ["email", "name", "user_id"], "users columns")
expect_equal([(r.name, r.email) for r in session.execute("SELECT name, email FROM users")], [("Alice", "alice@example.com")], "stored row")
cluster.shutdown()
print("seed guide example: ok")
