"""The seed guide's Django models, with the two changes they need to load at all (both refused in
the client, before any server is involved): cqlengine refuses an attribute named `timestamp` (it
is the Model.timestamp() helper), so that attribute is `ts`, stored in the column "timestamp"; and
django-cassandra-engine requires `Meta.get_pk_field` on models with several primary key columns."""
from datetime import datetime

from cassandra.cqlengine import columns
from django_cassandra_engine.models import DjangoCassandraModel


class UserActivity(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'user_id'

    user_id = columns.UUID(primary_key=True)
    ts = columns.DateTime(primary_key=True, clustering_order="DESC", db_field="timestamp")
    activity_type = columns.Text()
    metadata = columns.Map(columns.Text, columns.Text)


class ReadingProgress(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'student_id'

    student_id = columns.UUID(primary_key=True)
    chapter_id = columns.Text(primary_key=True)
    ts = columns.DateTime(default=datetime.now, db_field="timestamp")

    # Nested data stored in collections
    mistakes = columns.List(columns.Map(columns.Text, columns.Text))  # [{"word": "apple", "attempts": "2"}, ...]
    device = columns.Map(columns.Text, columns.Text)  # {"type": "tablet", "os": "android"}
    stats = columns.Map(columns.Text, columns.Text)   # {"page": "5", "duration": "240"}


class StudentActivity(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'student_id'

    student_id = columns.UUID(primary_key=True)
    ts = columns.DateTime(primary_key=True, clustering_order="DESC", db_field="timestamp")
    activity_data = columns.Text()  # JSON string


class ChapterPerformance(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'student_id'

    student_id = columns.UUID(primary_key=True)
    chapter_id = columns.Text(primary_key=True)
    score = columns.Integer(index=True)
    duration = columns.Integer()
    extra_data = columns.Text()  # holds nested JSON


class StudentSession(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'student_id'

    student_id = columns.UUID(primary_key=True)
    session_id = columns.UUID(primary_key=True)
    start_time = columns.DateTime()
    end_time = columns.DateTime()

    # Fast-query columns
    total_words = columns.Integer(index=True)
    accuracy = columns.Float()

    # Nested JSON data
    details = columns.Text()  # {"chapters": [{"id": "ch_1", "score": 95}], "feedback": {...}}


class ReadingLog(DjangoCassandraModel):
    class Meta:
        get_pk_field = 'student_id'

    student_id = columns.UUID(primary_key=True)
    session_id = columns.UUID(primary_key=True)
    ts = columns.DateTime(primary_key=True, clustering_order="DESC", db_field="timestamp")
    page_number = columns.Integer()
    words_read = columns.Integer()
