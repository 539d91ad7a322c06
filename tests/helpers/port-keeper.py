# Keeps TCP ports for one test process (see ports.ts). Each "reserve" line gets a port in 10000-19999
# (below the kernel's ephemeral range, so no connect() or bind(0) anywhere is ever handed it) that no
# TCP or UDP socket on any address uses at that moment: proved by binding it on 0.0.0.0 and [::]
# without SO_REUSEADDR, for TCP and for UDP. The UDP probes are closed again; the two TCP sockets stay
# bound, never listening, which the socket tables do not show (TCP_BOUND_INACTIVE is not dumped), and
# then get SO_REUSEADDR: a test's own server (Node sets SO_REUSEADDR) may listen on the port, and
# leave it, while nobody without SO_REUSEADDR can bind it. Answers the port; "release N" lets it go.
# Exits when stdin closes, that is when the test process ends.
import random
import socket
import sys

with open('/proc/self/comm', 'w') as f:
    f.write('pw-port-keeper')

LOW, HIGH = 10000, 20000
held = {}


def try_reserve(port):
    made = []
    try:
        for family, host, kind in (
            (socket.AF_INET, '0.0.0.0', socket.SOCK_STREAM),
            (socket.AF_INET6, '::', socket.SOCK_STREAM),
            (socket.AF_INET, '0.0.0.0', socket.SOCK_DGRAM),
            (socket.AF_INET6, '::', socket.SOCK_DGRAM),
        ):
            s = socket.socket(family, kind)
            made.append(s)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((host, port))
    except OSError:
        for s in made:
            s.close()
        return False
    for s in made[2:]:
        s.close()
    for s in made[:2]:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held[port] = made[:2]
    return True


def reserve():
    for _ in range(1000):
        port = random.randrange(LOW, HIGH)
        if port not in held and try_reserve(port):
            return port
    return 0


for line in sys.stdin:
    parts = line.split()
    if parts == ['reserve']:
        print(reserve(), flush=True)
    elif len(parts) == 2 and parts[0] == 'release':
        for s in held.pop(int(parts[1]), []):
            s.close()
        print('released', flush=True)
