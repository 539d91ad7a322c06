# A real process holding real sockets with the options Node cannot set (SO_REUSEPORT, IPV6_V6ONLY,
# UDP SO_REUSEADDR), for the conflict and kill tests. argv[1] is JSON:
#   { "title": str, "uid": int?, "ignoreTerm": bool?, "sockets": [
#       { "name", "type": "tcp"|"udp", "host", "port": int | "name of an earlier socket" | null,
#         "reuseport"?, "reuseaddr"?, "v6only"?, "listen"? (tcp, default true),
#         "connect"?: { "host", "port" }  (a TCP client: loopback only) } ] }
# The process name (comm) becomes title. Prints one JSON line { pid, endpoints } when ready, then obeys
# stdin lines "close NAME" (answers "closed NAME"); exits when stdin closes.
import json
import os
import signal
import socket
import sys

spec = json.loads(sys.argv[1])
with open('/proc/self/comm', 'w') as f:
    f.write(spec.get('title', 'pw-py')[:15])
if spec.get('ignoreTerm'):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if spec.get('uid') is not None:
    os.setgid(spec['uid'])
    os.setuid(spec['uid'])

handles = {}
endpoints = {}
for item in spec['sockets']:
    host = item['host']
    family = socket.AF_INET6 if ':' in host else socket.AF_INET
    kind = socket.SOCK_STREAM if item['type'] == 'tcp' else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    if item.get('reuseport'):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if item.get('reuseaddr'):
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1 if item.get('v6only') else 0)
    if 'connect' in item:
        target = item['connect']
        s.connect((target['host'], target['port']))
    else:
        port = item.get('port')
        if isinstance(port, str):
            port = endpoints[port]['port']
        s.bind((host, port or 0))
        if item['type'] == 'tcp' and item.get('listen', True):
            s.listen(16)
    handles[item['name']] = s
    name = s.getsockname()
    endpoints[item['name']] = {'address': name[0], 'port': name[1]}

print(json.dumps({'pid': os.getpid(), 'endpoints': endpoints}), flush=True)
for line in sys.stdin:
    parts = line.split()
    if len(parts) == 2 and parts[0] == 'close':
        h = handles.pop(parts[1], None)
        if h is not None:
            h.close()
        print('closed ' + parts[1], flush=True)
