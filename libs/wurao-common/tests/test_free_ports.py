"""Ports for the embedded servers and the services (wurao_common.embedded.free_port): chosen where no outgoing
connection can take them before a server listens on them, or while a killed one is started again on them."""

import socket

from wurao_common import embedded


def test_free_ports_lie_below_the_range_outgoing_connections_take_their_ports_from():
    below = embedded.ephemeral_ports_from()
    ports = [embedded.free_port() for _ in range(50)]
    assert all(20000 <= port < below for port in ports), (below, ports)
    assert len(set(ports)) == 50
    assert sorted(ports) != ports  # spread at random, not handed out in turn


def test_a_port_once_handed_out_is_not_handed_out_again_before_anything_listens_on_it(monkeypatch):
    """A platform takes all its ports before its servers listen: a random pick that repeats must not give two of
    them one port."""
    first = embedded.free_port()
    picks = iter([first, first, first])
    monkeypatch.setattr(embedded.random, "randrange", lambda *_range: next(picks, first + 1))
    assert embedded.free_port() != first


def test_a_free_port_can_be_listened_on():
    port = embedded.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
