"""Ports for the embedded servers and the services (wurao_common.embedded.free_port): chosen where no outgoing
connection can take them before a server listens on them, or while a killed one is started again on them."""

import socket

from wurao_common import embedded


def test_free_ports_lie_below_the_range_outgoing_connections_take_their_ports_from():
    below = embedded.ephemeral_ports_from()
    ports = [embedded.free_port() for _ in range(50)]
    assert all(20000 <= port < below for port in ports), (below, ports)
    assert len(set(ports)) > 40  # spread at random, not handed out in turn


def test_a_free_port_can_be_listened_on():
    port = embedded.free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
        sock.listen()
