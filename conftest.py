import pytest

pytest_plugins = ["wurao_common.testing"]


@pytest.fixture(scope="session")
def bus_parties():
    """The tests' NATS servers have a user for every service of the platform and every subscriber region, and one
    for each made-up city the feed's tests subscribe to (tests/feed: province code 99, which no real region has)."""
    from wurao_common.testing import BusParties  # imported here: pytest rewrites the plugin's asserts first
    from wurao_devstack import bus

    return BusParties(
        durables=bus.durables(), regions=(*bus.SUBSCRIBER_REGIONS, "9911", "9921", "9931", "9941", "9951", "9961")
    )
