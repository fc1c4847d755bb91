"""cqlengine (the object mapper inside the PyPI driver) against Cassia: sync_table of models with a
partition key and a DESC clustering key, a map column, nested collections, an index, BatchQuery
(sent as one textual BEGIN BATCH ... APPLY BATCH), filter(...).order_by('-timestamp')[:5], LWT with
if_not_exists and iff, TTL, counters, updates of collections, and sync_table after a model change."""
import datetime
import uuid

from cassandra.cqlengine import columns, connection
from cassandra.cqlengine.management import create_keyspace_simple, drop_keyspace, sync_table
from cassandra.cqlengine.models import Model
from cassandra.cqlengine.query import BatchQuery, LWTException

import os

os.environ.setdefault("CQLENG_ALLOW_SCHEMA_MANAGEMENT", "1")
from cassia_env import HOST, PORT, driver_banner, expect_equal, expect_raises

driver_banner()
KS = "cqlengine_ks"
connection.setup([HOST], KS, port=PORT, protocol_version=4)
drop_keyspace(KS)
create_keyspace_simple(KS, 1)

# The seed guide's models name a column `timestamp`, which cqlengine refuses before any server is
# contacted (Model.timestamp() is the USING TIMESTAMP helper). The same table is modelled with
# the attribute `ts` stored as the column "timestamp".
from cassandra.cqlengine.models import ModelDefinitionException


def guide_model():
    class GuideUserActivity(Model):
        user_id = columns.UUID(primary_key=True)
        timestamp = columns.DateTime(primary_key=True, clustering_order="DESC")


expect_raises(ModelDefinitionException, guide_model, "a column named timestamp", "timestamp")


class UserActivity(Model):
    __keyspace__ = KS
    user_id = columns.UUID(primary_key=True)
    ts = columns.DateTime(primary_key=True, clustering_order="DESC", db_field="timestamp")
    activity_type = columns.Text()
    metadata = columns.Map(columns.Text, columns.Text)


class ReadingProgress(Model):
    __keyspace__ = KS
    student_id = columns.UUID(primary_key=True)
    chapter_id = columns.Text(primary_key=True)
    ts = columns.DateTime(default=datetime.datetime.now, db_field="timestamp")
    mistakes = columns.List(columns.Map(columns.Text, columns.Text))
    device = columns.Map(columns.Text, columns.Text)
    tags = columns.Set(columns.Text)


class Scored(Model):
    __keyspace__ = KS
    student_id = columns.UUID(primary_key=True)
    chapter_id = columns.Text(primary_key=True)
    score = columns.Integer(index=True)


class Visits(Model):
    __keyspace__ = KS
    page = columns.Text(primary_key=True)
    hits = columns.Counter()


for model in (UserActivity, ReadingProgress, Scored, Visits):
    sync_table(model)
# A second sync is a no-op; metadata comes from system_schema after the DDL.
sync_table(UserActivity)
table = connection.get_cluster().metadata.keyspaces[KS].tables["user_activity"]
expect_equal([c.name for c in table.partition_key], ["user_id"], "partition key")
expect_equal([c.name for c in table.clustering_key], ["timestamp"], "clustering key (db_field)")
expect_equal(table.clustering_key[0].is_reversed, True, "DESC clustering")

# --- create, BatchQuery, filter/order_by/slice -------------------------------------------------------
uid = uuid.uuid4()
base = datetime.datetime(2024, 5, 1, 8, 0, 0)
UserActivity.create(user_id=uid, ts=base, activity_type="login", metadata={"device": "mobile"})
with BatchQuery() as b:
    for i in range(1, 8):
        UserActivity.batch(b).create(user_id=uid, ts=base + datetime.timedelta(minutes=i), activity_type="page_view", metadata={"page": "p%d" % i})
batch = BatchQuery()
UserActivity.batch(batch).create(user_id=uuid.uuid4(), ts=base, activity_type="page_view", metadata={"page": "home"})
UserActivity.batch(batch).create(user_id=uuid.uuid4(), ts=base, activity_type="logout", metadata={"device": "web"})
batch.execute()
expect_equal(UserActivity.objects.count(), 10, "rows after batches")
recent = list(UserActivity.objects.filter(user_id=uid).order_by("-ts")[:5])
expect_equal([r.ts for r in recent], [base + datetime.timedelta(minutes=i) for i in range(7, 2, -1)], "order_by('-ts')[:5]")
oldest_first = list(UserActivity.objects.filter(user_id=uid).order_by("ts")[:2])
expect_equal([r.activity_type for r in oldest_first], ["login", "page_view"], "order_by('ts')")
window = UserActivity.objects.filter(user_id=uid, ts__gt=base + datetime.timedelta(minutes=2), ts__lte=base + datetime.timedelta(minutes=4))
expect_equal(sorted(r.metadata["page"] for r in window), ["p3", "p4"], "clustering range")
expect_equal(UserActivity.objects.filter(user_id=uid).first().activity_type, "page_view", "first() is the newest")
# Filtering on a non-key, non-indexed column is refused by cqlengine itself; the same CQL sent
# directly fails on the server as Cassandra fails; ALLOW FILTERING works.
from cassandra import InvalidRequest
from cassandra.cqlengine.query import QueryException
expect_raises(QueryException, lambda: list(UserActivity.objects.filter(activity_type="login")), "cqlengine refuses the filter", "Where clauses require")
expect_raises(InvalidRequest, lambda: connection.execute("SELECT * FROM %s.user_activity WHERE activity_type = 'login'" % KS), "filter on a regular column", "ALLOW FILTERING")
expect_equal(len(list(UserActivity.objects.filter(activity_type="login").allow_filtering())), 1, "allow_filtering()")

# --- collections: create, partial updates, nested frozen maps -----------------------------------------
sid = uuid.uuid4()
ReadingProgress.create(student_id=sid, chapter_id="ch_01", mistakes=[{"word": "apple", "attempts": "2"}, {"word": "orange", "attempts": "1"}],
                       device={"type": "tablet", "os": "android"}, tags={"a"})
progress = ReadingProgress.objects.get(student_id=sid, chapter_id="ch_01")
expect_equal(progress.device["type"], "tablet", "map read")
expect_equal(progress.mistakes[0]["word"], "apple", "list of maps read")
progress.device["os"] = "ios"
progress.tags.add("b")
progress.mistakes.append({"word": "pear", "attempts": "3"})
progress.save()
again = ReadingProgress.objects.get(student_id=sid, chapter_id="ch_01")
expect_equal(again.device, {"type": "tablet", "os": "ios"}, "map element update")
expect_equal(again.tags, {"a", "b"}, "set add")
expect_equal([m["word"] for m in again.mistakes], ["apple", "orange", "pear"], "list append")
ReadingProgress.objects(student_id=sid, chapter_id="ch_01").update(device__update={"os": "linux"}, tags__remove={"a"}, mistakes__prepend=[{"word": "fig"}])
again = ReadingProgress.objects.get(student_id=sid, chapter_id="ch_01")
expect_equal((again.device["os"], again.tags, again.mistakes[0]["word"]), ("linux", {"b"}, "fig"), "update operators")

# --- index, TTL, LWT ----------------------------------------------------------------------------------
for i, score in enumerate([85, 92, 97, 60]):
    Scored.create(student_id=uuid.uuid4(), chapter_id="ch_%02d" % i, score=score)
expect_equal(len(list(Scored.objects.filter(score=92))), 1, "query by index")
expect_raises(QueryException, lambda: list(Scored.objects.filter(score__gte=90)), "cqlengine refuses a range on an index", "Where clauses require")
expect_raises(InvalidRequest, lambda: connection.execute("SELECT * FROM %s.scored WHERE score >= 90" % KS), "range on an index", "ALLOW FILTERING")
expect_equal(sorted(s.score for s in Scored.objects.filter(score__gte=90).allow_filtering()), [92, 97], "range with allow_filtering")

lwt_id = uuid.uuid4()
UserActivity.if_not_exists().create(user_id=lwt_id, ts=base, activity_type="first")
error = expect_raises(LWTException, lambda: UserActivity.if_not_exists().create(user_id=lwt_id, ts=base, activity_type="second"), "if_not_exists")
expect_equal(error.existing.get("activity_type"), "first", "LWT existing row")
row = UserActivity.objects.get(user_id=lwt_id, ts=base)
row.iff(activity_type="first").update(activity_type="updated")
expect_raises(LWTException, lambda: row.iff(activity_type="first").update(activity_type="again"), "iff not applied")
expect_equal(UserActivity.objects.get(user_id=lwt_id, ts=base).activity_type, "updated", "iff applied")
UserActivity.objects(user_id=lwt_id, ts=base).if_exists().delete()
expect_equal(UserActivity.objects.filter(user_id=lwt_id).count(), 0, "if_exists delete")

ttl_id = uuid.uuid4()
UserActivity.ttl(1000).create(user_id=ttl_id, ts=base, activity_type="ttl")
ttl = connection.execute("SELECT TTL(activity_type) AS t FROM %s.user_activity WHERE user_id = %s" % (KS, ttl_id)).one()["t"]
expect_equal(990 < ttl <= 1000, True, "TTL applied (%s)" % ttl)

Visits.objects(page="/").update(hits=1)
Visits.objects(page="/").update(hits=5)
expect_equal(Visits.objects.get(page="/").hits, 6, "counter increments")

# --- model change and sync_table (ALTER TABLE ADD) ----------------------------------------------------
class UserActivity(Model):  # noqa: F811 - the same table with one more column
    __keyspace__ = KS
    user_id = columns.UUID(primary_key=True)
    ts = columns.DateTime(primary_key=True, clustering_order="DESC", db_field="timestamp")
    activity_type = columns.Text()
    metadata = columns.Map(columns.Text, columns.Text)
    source = columns.Text(index=True)


sync_table(UserActivity)
expect_equal("source" in connection.get_cluster().metadata.keyspaces[KS].tables["user_activity"].columns, True, "column added by sync_table")
UserActivity.create(user_id=uid, ts=base, activity_type="login", source="web")
expect_equal([r.activity_type for r in UserActivity.objects.filter(source="web")], ["login"], "query by the new index")

drop_keyspace(KS)
print("cqlengine models: ok")
