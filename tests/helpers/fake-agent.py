# A process that pretends to be a Portwatch agent on a Unix socket, for the tests of who a UI may
# trust (tests/integration/agent-trust.test.ts). argv[1] is JSON:
#   { "path": str, "bindAs": int?, "mode": int?, "chown": int?, "listenAs": int? }
# It becomes uid bindAs when given (another user making the socket: file and listener are theirs),
# binds path, sets the file's mode and owner when given, becomes uid listenAs before listen() when
# given (SO_PEERCRED then names that uid, though the file is root's),
# and answers every client's first line with an engine 'ready': what a UI that trusted it would
# show. Prints "ready" once listening; stdin "report" prints {"connections": n, "bytes": n}.
import json, os, socket, sys, threading

spec = json.loads(sys.argv[1])

def become(uid):
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)

if 'bindAs' in spec:
    become(spec['bindAs'])
server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
server.bind(spec['path'])
if 'mode' in spec:
    os.chmod(spec['path'], spec['mode'])
if 'chown' in spec:
    os.chown(spec['path'], spec['chown'], spec['chown'])
if 'listenAs' in spec:
    become(spec['listenAs'])
server.listen(16)
counts = {'connections': 0, 'bytes': 0}
lock = threading.Lock()

def serve(conn):
    answered = False
    while True:
        data = conn.recv(65536)
        if not data:
            break
        with lock:
            counts['bytes'] += len(data)
        if not answered and b'\n' in data:
            answered = True
            ready = {'type': 'ready', 'pid': os.getpid(), 'dataDir': None, 'alerts': False, 'watchedPorts': False}
            conn.sendall((json.dumps(ready) + '\n').encode())
    conn.close()

def accept():
    while True:
        conn, _ = server.accept()
        with lock:
            counts['connections'] += 1
        threading.Thread(target=serve, args=(conn,), daemon=True).start()

threading.Thread(target=accept, daemon=True).start()
print('ready', flush=True)
for line in sys.stdin:
    if line.strip() == 'report':
        with lock:
            print(json.dumps(counts), flush=True)
