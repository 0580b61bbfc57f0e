import pytest

pytest_plugins = ["wurao_common.testing"]


@pytest.fixture(scope="session")
def bus_parties():
    """The session's NATS has a user for every service of the platform and every subscriber region."""
    from wurao_common.testing import BusParties  # imported here: pytest rewrites the plugin's asserts first
    from wurao_devstack import bus

    return BusParties(durables=bus.durables(), regions=bus.SUBSCRIBER_REGIONS)
