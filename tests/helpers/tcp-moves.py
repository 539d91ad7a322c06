# A real process that moves TCP sockets through their states on command, for the tests of the netlink
# reader's ESTABLISHED skipping (every way into or out of ESTABLISHED). Loopback only. Reads stdin lines,
# answers each with one line once the system call has returned:
#   listen NAME            a listener on 127.0.0.1 that accepts only when told  → its port
#   connect NAME PORT      a client, connected (the kernel completes the handshake without accept) → ok
#   accept NAME LISTENER   takes one connection off the listener's queue → ok
#   shutdown NAME          sends FIN (SHUT_WR) → ok
#   reset NAME             closes with SO_LINGER 0: RST, no TIME_WAIT → ok
#   close NAME             closes → ok
import socket
import struct
import sys

socks = {}
for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    verb, name = words[0], words[1]
    answer = 'ok'
    if verb == 'listen':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(('127.0.0.1', 0))
        s.listen(64)
        socks[name] = s
        answer = str(s.getsockname()[1])
    elif verb == 'connect':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.connect(('127.0.0.1', int(words[2])))
        socks[name] = s
    elif verb == 'accept':
        socks[name] = socks[words[2]].accept()[0]
    elif verb == 'shutdown':
        socks[name].shutdown(socket.SHUT_WR)
    elif verb == 'reset':
        s = socks.pop(name)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
    elif verb == 'close':
        socks.pop(name).close()
    else:
        answer = 'unknown ' + verb
    print(answer, flush=True)
