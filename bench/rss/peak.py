#!/usr/bin/env python3
# usage: peak.py CMD...: runs CMD, samples /proc/PID/smaps of it and its children every 50 ms, and
# prints the breakdown by mapping (MiB) of the largest RSS seen. Linux only.
import subprocess, sys, time, os, collections
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
best = (0, None)
def children(pid):
    out=[pid]
    try:
        for t in os.listdir(f'/proc/{pid}/task'):
            try: out += [int(c) for c in open(f'/proc/{pid}/task/{t}/children').read().split()]
            except: pass
    except: pass
    return out
while p.poll() is None:
    for pid in children(p.pid):
        try:
            agg = collections.Counter(); name = '[anon]'; tot = 0
            for line in open(f'/proc/{pid}/smaps'):
                parts = line.split()
                if not parts: continue
                if not parts[0].endswith(':') or '-' in parts[0]:
                    name = parts[5] if len(parts) > 5 else '[anon]'
                    name = ('/'.join(name.split('/')[-2:]) if name.endswith('.mdb') else os.path.basename(name)) if '/' in name else name
                elif parts[0] == 'Rss:':
                    kb = int(parts[1]); agg[name] += kb; tot += kb
            if tot > best[0]: best = (tot, agg, pid)
        except Exception: pass
    time.sleep(0.05)
tot, agg, pid = best
print(f'peak {tot/1024:.1f} MiB (pid {pid})')
for k, v in agg.most_common(8): print(f'  {k:30s} {v/1024:8.1f}')
print('rc', p.returncode)
