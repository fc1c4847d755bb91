"""Where the Cassia node under test listens (set by python.test.ts), and tiny assertion helpers.

Every script here is a plain `python script.py`: it exits non-zero on the first failed check.
"""
import os
import sys

HOST = os.environ.get("CASSIA_HOST", "127.0.0.1")
PORT = int(os.environ.get("CASSIA_PORT", "9042"))


def expect_equal(actual, expected, what):
    if actual != expected:
        raise AssertionError("%s: expected %r, got %r" % (what, expected, actual))


def expect_raises(exception_type, fn, what, message_part=None):
    """Runs fn and returns the exception it raised, which must be an exception_type."""
    try:
        fn()
    except exception_type as error:
        if message_part is not None and message_part not in str(error):
            raise AssertionError("%s: %r does not mention %r" % (what, str(error), message_part))
        return error
    raise AssertionError("%s: expected %s, nothing was raised" % (what, exception_type.__name__))


def driver_banner():
    import cassandra

    print("python %s, cassandra-driver %s (%s)" % (sys.version.split()[0], cassandra.__version__, os.path.dirname(cassandra.__file__)))
