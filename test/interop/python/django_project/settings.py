"""Minimal Django settings for the interop test, as in the seed guide (Step 2), pointed at the node
under test. The guide's `'consistency': 'LOCAL_ONE'` is a string, which cqlengine passes to the
driver unchanged and the driver cannot encode; django_project.py checks that and then uses the
ConsistencyLevel constant (see CASSIA_GUIDE_VERBATIM)."""
import os

from cassandra import ConsistencyLevel

HOST = os.environ.get("CASSIA_HOST", "127.0.0.1")
PORT = int(os.environ.get("CASSIA_PORT", "9042"))
VERBATIM = os.environ.get("CASSIA_GUIDE_VERBATIM") == "1"

SECRET_KEY = "interop-test-only"
USE_TZ = False
INSTALLED_APPS = ["django_cassandra_engine", "django_project.activity"]
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

DATABASES = {
    'default': {
        'ENGINE': 'django_cassandra_engine',
        'NAME': 'my_keyspace',
        'TEST_NAME': 'test_my_keyspace',
        'HOST': HOST,
        'OPTIONS': {
            'replication': {
                'strategy_class': 'SimpleStrategy',
                'replication_factor': 1
            },
            'connection': {
                'consistency': 'LOCAL_ONE' if VERBATIM else ConsistencyLevel.LOCAL_ONE,
                'retry_connect': True,
                'port': PORT,
                'protocol_version': 4,
            }
        }
    }
}
