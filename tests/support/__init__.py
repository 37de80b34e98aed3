"""Helpers shared by the test layers: a loopback server, socket.io peers, a fake clock."""
