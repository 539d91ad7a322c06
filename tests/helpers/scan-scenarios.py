#!/usr/bin/env python3
"""What the port-scan tests make the kernel see, with real sockets on 127.0.0.1 (run inside a network
namespace of the test's own, so no other test's traffic mixes in). One scenario per run:

  overflow   a listener with a backlog of 1 that never accepts, and 300 connections at once: the
             kernel drops SYNs at the full queue (a burst of connections, not a scan)
  shutdown   a server with N clients (argv[2], default 4500) stops while they are connected, half with
             data it never read; the clients then write and close (resets of its own connections)
  connect    a connect scan: 12 open ports (held open) and 300 closed ones, from one program
  syn        a SYN scan: raw SYNs to 300 closed ports and the 12 open ones, from a raw socket

It prints one JSON line when the sockets are in place ({"phase": "ready"}) and waits for a line on
stdin before it ends, so the engine can poll while they exist; then {"phase": "done", ...}.
"""
import json
import os
import random
import resource
import signal
import socket
import struct
import sys
import time


def say(**fields):
    print(json.dumps(fields), flush=True)


def wait_for_go():
    sys.stdin.readline()


def raise_fd_limit(n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = max(soft, n)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def listeners(n):
    out = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        out.append(s)
    return out


def closed_ports(n, avoid):
    """Ports nothing listens on in this namespace: every one but those we opened."""
    ports = []
    p = 20000
    while len(ports) < n:
        if p not in avoid:
            ports.append(p)
        p += 1
    return ports


def overflow():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]
    clients = []
    for _ in range(300):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        clients.append(c)
    say(phase="ready", port=port)
    wait_for_go()
    for c in clients:
        c.close()
    srv.close()
    say(phase="done")


def shutdown(n):
    raise_fd_limit(n * 2 + 200)
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        # The server: accepts everyone, reads nothing, and is killed while they are connected.
        os.close(r)
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(4096)
        os.write(w, srv.getsockname()[1].to_bytes(4, "big"))
        conns = []
        while len(conns) < n:
            c, _ = srv.accept()
            conns.append(c)
        os.write(w, b"\x01")
        signal.pause()
        os._exit(0)
    os.close(w)
    port = int.from_bytes(os.read(r, 4), "big")
    clients = []
    for _ in range(n):
        c = socket.socket()
        c.connect(("127.0.0.1", port))
        clients.append(c)
    os.read(r, 1)
    # Half of them say something the server never reads: its close resets those.
    for c in clients[: n // 2]:
        c.send(b"hello")
    say(phase="ready", port=port, server=pid, clients=n)
    wait_for_go()
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    time.sleep(0.3)
    # The clients notice late: they write once more (the gone server's ends reset them), then close.
    for c in clients:
        try:
            c.send(b"still there?")
        except OSError:
            pass
    time.sleep(0.3)
    for c in clients:
        c.close()
    say(phase="done")


def connect_scan():
    opened = listeners(12)
    open_ports = [s.getsockname()[1] for s in opened]
    targets = open_ports + closed_ports(300, set(open_ports))
    random.shuffle(targets)
    held, refused = [], 0
    for p in targets:
        c = socket.socket()
        c.settimeout(2)
        try:
            c.connect(("127.0.0.1", p))
            held.append(c)
        except ConnectionRefusedError:
            refused += 1
            c.close()
    say(phase="ready", open=open_ports, refused=refused, connected=len(held))
    wait_for_go()
    for c in held:
        c.close()
    say(phase="done")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def syn(src_port, dst_port, seq):
    src = dst = socket.inet_aton("127.0.0.1")
    header = struct.pack("!HHIIBBHHH", src_port, dst_port, seq, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, socket.IPPROTO_TCP, len(header))
    return header[:16] + struct.pack("!H", checksum(pseudo + header)) + header[18:]


def syn_scan():
    opened = listeners(12)
    open_ports = [s.getsockname()[1] for s in opened]
    targets = open_ports + closed_ports(300, set(open_ports))
    random.shuffle(targets)
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    # Source ports no socket here uses: the kernel answers the open ports' SYN-ACKs with resets, as
    # it does for a real half-open scanner.
    for i, p in enumerate(targets):
        raw.sendto(syn(45000 + i, p, random.getrandbits(32)), ("127.0.0.1", 0))
    say(phase="ready", open=open_ports, sent=len(targets))
    wait_for_go()
    raw.close()
    say(phase="done")


def main():
    mode = sys.argv[1]
    if mode == "overflow":
        overflow()
    elif mode == "shutdown":
        shutdown(int(sys.argv[2]) if len(sys.argv) > 2 else 4500)
    elif mode == "connect":
        connect_scan()
    elif mode == "syn":
        syn_scan()
    else:
        raise SystemExit(f"unknown scenario {mode}")


if __name__ == "__main__":
    main()
