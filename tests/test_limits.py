"""The in-process rate limits of the widget's WebSocket."""
from api.limits import Bucket, PerKey


def test_bucket_allows_a_burst_then_refuses():
    bucket = Bucket(rate=0.0001, burst=3)
    assert [bucket.take() for _ in range(5)] == [True, True, True, False, False]


def test_per_key_counts_each_key_separately():
    limit = PerKey(limit=2, window=60)
    assert [limit.allow("10.0.0.1") for _ in range(3)] == [True, True, False]
    assert limit.allow("10.0.0.2")
