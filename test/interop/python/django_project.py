"""A django-cassandra-engine project (django_project/) with the seed guide's settings and models:
sync_cassandra, the guide's create/batch/filter/order_by/raw CQL/prepared examples, collection
updates, JSON-in-text models, index queries, the guide's materialized views (refused as Cassandra
4 refuses them) and `flush` (TRUNCATE)."""
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "django_project.settings")
os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cassia_env import HOST, PORT, driver_banner, expect_equal, expect_raises  # noqa: E402

driver_banner()

# The guide's settings verbatim (consistency as the string 'LOCAL_ONE') fail in the client, before
# any request reaches a server: cqlengine hands the string to the driver, which cannot encode it.
verbatim = subprocess.run(
    [sys.executable, "-c", "import django; django.setup(); from django.core.management import call_command; call_command('sync_cassandra')"],
    env={**os.environ, "CASSIA_GUIDE_VERBATIM": "1"}, cwd=os.path.dirname(os.path.abspath(__file__)), capture_output=True, text=True, timeout=120,
)
expect_equal(verbatim.returncode != 0 and "required argument is not an integer" in verbatim.stderr + verbatim.stdout, True,
             "verbatim settings fail in the client (%s)" % verbatim.stderr[-300:])

import django  # noqa: E402

django.setup()

from cassandra import InvalidRequest  # noqa: E402
from cassandra.cqlengine.query import BatchQuery  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402

from django_project.activity.models import (  # noqa: E402
    ChapterPerformance, ReadingLog, ReadingProgress, StudentActivity, StudentSession, UserActivity,
)

session = connections["default"].connection.session
session.execute("DROP KEYSPACE IF EXISTS my_keyspace")
call_command("sync_cassandra")
cluster = connections["default"].connection.cluster
tables = cluster.metadata.keyspaces["my_keyspace"].tables
models = [UserActivity, ReadingProgress, StudentActivity, ChapterPerformance, StudentSession, ReadingLog]
for model in models:
    expect_equal(model.__table_name__ in tables or model.column_family_name(include_keyspace=False) in tables, True, "table of %s" % model.__name__)
ua_table = UserActivity.column_family_name(include_keyspace=False)
# The guide's raw session examples name tables without a keyspace: the session needs one.
session.set_keyspace("my_keyspace")
print("tables:", sorted(tables))

# --- 4. Writing data ------------------------------------------------------------------------------
my_user_id = uuid.uuid4()
UserActivity.create(user_id=my_user_id, ts=datetime.now(), activity_type="login", metadata={"device": "mobile"})
batch = BatchQuery()
UserActivity.batch(batch).create(user_id=uuid.uuid4(), ts=datetime.now(), activity_type="page_view", metadata={"page": "home"})
UserActivity.batch(batch).create(user_id=uuid.uuid4(), ts=datetime.now(), activity_type="logout", metadata={"device": "web"})
batch.execute()
base = datetime(2024, 3, 1, 9, 0, 0)
for i in range(8):
    UserActivity.create(user_id=my_user_id, ts=base + timedelta(seconds=i), activity_type="read%d" % i, metadata={"i": str(i)})

# --- 5. Reading data ------------------------------------------------------------------------------
activities = UserActivity.objects.all()
expect_equal(len(list(activities)), 11, "objects.all()")
user_activities = UserActivity.objects.filter(user_id=my_user_id)
expect_equal(user_activities.count(), 9, "filter by partition key")
recent = UserActivity.objects.filter(user_id=my_user_id).order_by("-ts")[:5]
expect_equal([r.activity_type for r in recent][0], "login", "newest first")
expect_equal(len(list(recent)), 5, "[:5]")
older = list(UserActivity.objects.filter(user_id=my_user_id, ts__lt=datetime(2025, 1, 1)).order_by("-ts")[:5])
expect_equal([r.activity_type for r in older], ["read7", "read6", "read5", "read4", "read3"], "clustering slice, DESC")

# Raw CQL (the guide imports get_connection from django_cassandra_engine.connection, which the
# package does not define; django.db.connections gives the same session).
import django_cassandra_engine.connection as dce_connection  # noqa: E402
expect_equal(hasattr(dce_connection, "get_connection"), False, "the guide's get_connection import does not exist")
rows = session.execute("SELECT * FROM %s WHERE user_id = %%s" % ua_table, [my_user_id])
expect_equal(len(list(rows)), 9, "raw CQL with %s")
prepared = session.prepare("SELECT * FROM %s WHERE user_id = ?" % ua_table)
expect_equal(len(list(session.execute(prepared, [my_user_id]))), 9, "prepared statement")

# --- 6. Query techniques ----------------------------------------------------------------------------
# django-cassandra-engine querysets always add ALLOW FILTERING, so the guide's "bad" query works.
expect_equal([r.user_id for r in UserActivity.objects.filter(activity_type="login")], [my_user_id], "bad: filter on a regular column")
session.execute("CREATE INDEX activity_type_idx ON %s (activity_type);" % ua_table)
cluster.refresh_table_metadata("my_keyspace", ua_table)
expect_equal([r["user_id"] for r in session.execute("SELECT user_id FROM %s WHERE activity_type = 'login'" % ua_table)], [my_user_id], "query by the guide's index")
mv = "CREATE MATERIALIZED VIEW useractivity_by_type AS SELECT * FROM %s WHERE activity_type IS NOT NULL AND user_id IS NOT NULL PRIMARY KEY (activity_type, user_id, timestamp)" % ua_table
expect_raises(InvalidRequest, lambda: session.execute(mv), "materialized view", "Materialized views are disabled")
expect_raises(InvalidRequest, lambda: session.execute("SELECT * FROM useractivity_by_type WHERE activity_type = 'login'"), "query of the view", "useractivity_by_type")

# --- Nested JSON: collections -------------------------------------------------------------------------
my_id = uuid.uuid4()
ReadingProgress.create(
    student_id=my_id,
    chapter_id="ch_01",
    mistakes=[
        {"word": "apple", "attempts": "2"},
        {"word": "orange", "attempts": "1"}
    ],
    device={"type": "tablet", "os": "android"},
    stats={"page": "5", "duration": "240"}
)
progress = ReadingProgress.objects.get(student_id=my_id, chapter_id="ch_01")
expect_equal(progress.device["type"], "tablet", "device type")
expect_equal(progress.mistakes[0]["word"], "apple", "first mistake")
progress.device["os"] = "ios"
progress.save()
expect_equal(ReadingProgress.objects.get(student_id=my_id, chapter_id="ch_01").device["os"], "ios", "nested update saved")
rp_table = ReadingProgress.column_family_name(include_keyspace=False)
expect_raises(InvalidRequest, lambda: session.execute("SELECT * FROM %s WHERE device['type'] = 'tablet';" % rp_table), "map key query", "ALLOW FILTERING")
expect_equal(len(list(session.execute("SELECT * FROM %s WHERE device['type'] = 'tablet' ALLOW FILTERING" % rp_table))), 1, "map key query, filtering")

# --- Nested JSON: text -----------------------------------------------------------------------------
data = {"chapter_id": "ch_02", "page": 3, "duration": 180, "device": {"type": "mobile", "os": "android"}}
StudentActivity.create(student_id=my_id, ts=datetime.now(), activity_data=json.dumps(data))
activity = StudentActivity.objects.filter(student_id=my_id).first()
expect_equal(json.loads(activity.activity_data)["device"]["type"], "mobile", "JSON text read")
data = json.loads(activity.activity_data)
data["page"] = 4
activity.activity_data = json.dumps(data)
activity.save()
expect_equal(json.loads(StudentActivity.objects.filter(student_id=my_id).first().activity_data)["page"], 4, "JSON text update")

# --- Hybrid model and index ------------------------------------------------------------------------
ChapterPerformance.create(student_id=uuid.uuid4(), chapter_id="ch_01", score=85, duration=230,
                          extra_data=json.dumps({"mistakes": [{"word": "cat", "attempts": 1}], "feedback": {"clarity": "good", "speed": "slow"}}))
ChapterPerformance.create(student_id=uuid.uuid4(), chapter_id="ch_02", score=95, duration=100, extra_data=json.dumps({"feedback": {"clarity": "poor"}}))
high_scores = ChapterPerformance.objects.filter(score__gte=90)
expect_equal([c.score for c in high_scores], [95], "the guide's score__gte=90 (ALLOW FILTERING added by the engine)")
expect_equal(len(list(ChapterPerformance.objects.filter(score=85))), 1, "equality on the index")
good = [r for r in ChapterPerformance.objects.all() if json.loads(r.extra_data).get("feedback", {}).get("clarity") == "good"]
expect_equal(len(good), 1, "JSON filtered in Python")
cp_table = ChapterPerformance.column_family_name(include_keyspace=False)
expect_raises(InvalidRequest, lambda: session.execute("CREATE MATERIALIZED VIEW chapterperformance_by_score AS SELECT * FROM %s WHERE score IS NOT NULL AND student_id IS NOT NULL AND chapter_id IS NOT NULL PRIMARY KEY (score, student_id, chapter_id)" % cp_table), "second materialized view", "Materialized views are disabled")

StudentSession.create(student_id=my_id, session_id=uuid.uuid4(), start_time=datetime.now(), end_time=datetime.now(), total_words=500, accuracy=92.5,
                      details=json.dumps({"chapters": [{"id": "ch_1", "score": 95, "mistakes": ["apple", "banana"]}], "feedback": {"overall": "great"}}))
expect_equal(json.loads(StudentSession.objects.filter(student_id=my_id).first().details)["feedback"]["overall"], "great", "StudentSession")
expect_equal(StudentSession.objects.filter(student_id=uuid.uuid4()).first(), None, "first() of an empty partition")
log_session = uuid.uuid4()
for page in range(12):
    ReadingLog.create(student_id=my_id, session_id=log_session, ts=base + timedelta(minutes=page), page_number=page, words_read=120)
recent_logs = ReadingLog.objects.filter(student_id=my_id, session_id=log_session).order_by("-ts")[:10]
expect_equal([r.page_number for r in recent_logs], list(range(11, 1, -1)), "ReadingLog recent")

# --- flush = TRUNCATE of every model table ---------------------------------------------------------------
call_command("flush", interactive=False)
for model in models:
    expect_equal(model.objects.count(), 0, "%s after flush" % model.__name__)
session.execute("DROP KEYSPACE my_keyspace")
print("django project: ok")
