# Runs a command R times and prints the CPU time of each run as JSON, [user, system] in ms: the
# kernel's rusage for the child, to the microsecond, which Node cannot read for a child process.
import json, os, subprocess, sys
runs = int(sys.argv[1]); cmd = sys.argv[2:]
out = []
for _ in range(runs):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    out.append([ru.ru_utime * 1000, ru.ru_stime * 1000])
print(json.dumps(out))
