"""The router and the client names of read-your-writes (the real replica: test_read_replica)."""

from django.test import RequestFactory

from registry.db_routers import PrimaryReplicaRouter, replica_reads_enabled
from registry.models import Registration
from registry.replica import client_name, replica_reads_begin, replica_reads_end


def test_without_a_replica_every_read_and_write_is_on_the_primary():
    router = PrimaryReplicaRouter()
    token = replica_reads_enabled.set(True)
    try:
        assert router.db_for_read(Registration) == "default"
    finally:
        replica_reads_enabled.reset(token)
    assert router.db_for_write(Registration) == "default"
    assert replica_reads_begin("key:abc") is None  # nothing to route to
    replica_reads_end(None)
    assert router.allow_migrate("replica", "registry") is False


def test_clients_are_named_by_api_key_prefix_or_session():
    factory = RequestFactory()
    key = "cr_" + "a" * 8 + "_secret"
    request = factory.get("/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client_name(request) == "key:aaaaaaaa"
    assert client_name(factory.get("/", HTTP_AUTHORIZATION="Bearer nonsense")) is None

    class Session:
        session_key = "s3ss10n"

    anonymous = factory.get("/")
    anonymous.session = Session()
    assert client_name(anonymous) == "session:s3ss10n"
    assert client_name(factory.get("/")) is None
