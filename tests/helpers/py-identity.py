# A real process whose identity changes under a socket it holds, for the process-identity tests.
# Makes a TCP listener on HOST (argv[1], default 127.0.0.1) port 0 that survives exec and fork, prints
# one JSON line {"pid", "port"}, then obeys stdin lines:
#   "fork"             forks a child that keeps the socket and sleeps; answers {"child": PID}
#   "close"            closes its own copy of the socket; answers "closed"
#   "exec PATH ARG..." becomes PATH (os.execv), the socket's fd still open; PATH prints what it prints
import json
import os
import signal
import socket
import sys

host = sys.argv[1] if len(sys.argv) > 1 else '127.0.0.1'
s = socket.socket(socket.AF_INET6 if ':' in host else socket.AF_INET, socket.SOCK_STREAM)
s.bind((host, 0))
s.listen(8)
s.set_inheritable(True)
print(json.dumps({'pid': os.getpid(), 'port': s.getsockname()[1]}), flush=True)
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == 'fork':
        child = os.fork()
        if child == 0:
            os.close(0)
            while True:
                signal.pause()
        print(json.dumps({'child': child}), flush=True)
    elif parts[0] == 'close':
        s.close()
        print('closed', flush=True)
    elif parts[0] == 'exec':
        sys.stdout.flush()
        os.execv(parts[1], parts[1:])
