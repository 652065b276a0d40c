// A fault-injection TCP proxy on 127.0.0.1 in front of an S3 server, for tests of how snap lives
// through a bad network. Runs in the test process, so the CLI must be spawned asynchronously
// (Sandbox.spawn), not with spawnSync. The fault in force is checked for every chunk a client sends
// (so keep-alive connections are hit too):
//   pass      forward both ways
//   delay     forward after `ms`
//   reset     answer with a TCP reset (RST), like a server or middlebox that drops connections
//   http503   answer "503 Service Unavailable" without asking the server
//   blackhole accept and read, never answer (a hung server or a silent firewall)
// `after(n, fault, forMs)` switches to a fault once n requests have passed, for forMs, then back:
// an outage in the middle of a command. Request heads are kept (`heads`) to check headers on the wire.

import net from 'node:net';

export type Fault = { kind: 'pass' } | { kind: 'delay'; ms: number } | { kind: 'reset' } | { kind: 'http503' } | { kind: 'blackhole' };

const METHOD_RE = /^(GET|PUT|POST|HEAD|DELETE) /;
const UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

export class FaultProxy {
  fault: Fault = { kind: 'pass' };
  /** Request lines and headers seen, in order (bodies are not kept). */
  readonly heads: string[] = [];
  /** Requests refused by a fault. */
  faulted = 0;
  private readonly sockets = new Set<net.Socket>();
  private schedule: { after: number; fault: Fault; forMs: number } | undefined;
  private timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly server: net.Server,
    readonly endpoint: string,
  ) {}

  static async start(upstream: string): Promise<FaultProxy> {
    const up = new URL(upstream);
    const target = { host: up.hostname, port: Number(up.port || 80) };
    let proxy!: FaultProxy;
    const server = net.createServer((client) => proxy.handle(client, target));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    proxy = new FaultProxy(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  /** Once `n` more requests have gone through, apply `fault` for `forMs`, then pass again. */
  after(n: number, fault: Fault, forMs: number): Promise<void> {
    this.schedule = { after: this.heads.length + n, fault, forMs };
    return new Promise((resolve) => (this.outageEnded = resolve));
  }

  private outageEnded: (() => void) | undefined;

  private handle(client: net.Socket, target: { host: string; port: number }): void {
    this.sockets.add(client);
    let upstream: net.Socket | undefined;
    const drop = () => {
      this.sockets.delete(client);
      upstream?.destroy();
      client.destroy();
    };
    client.on('error', drop);
    client.on('close', drop);
    client.on('data', (chunk: Buffer) => {
      const text = chunk.subarray(0, 4096).toString('latin1');
      if (METHOD_RE.test(text)) {
        this.heads.push(text.split('\r\n\r\n')[0]!);
        this.checkSchedule();
      }
      const f = this.fault;
      if (f.kind !== 'pass' && f.kind !== 'delay') {
        this.faulted++;
        if (f.kind === 'reset') client.resetAndDestroy();
        else if (f.kind === 'http503') client.end(UNAVAILABLE);
        return; // blackhole: swallowed
      }
      if (!upstream) {
        upstream = net.connect(target);
        this.sockets.add(upstream);
        upstream.on('data', (d) => client.write(d));
        upstream.on('error', drop);
        upstream.on('close', drop);
      }
      const u = upstream;
      if (f.kind === 'delay') this.timers.push(setTimeout(() => u.write(chunk), f.ms));
      else u.write(chunk);
    });
  }

  private checkSchedule(): void {
    const s = this.schedule;
    if (!s || this.heads.length < s.after) return;
    this.schedule = undefined;
    this.fault = s.fault;
    this.timers.push(
      setTimeout(() => {
        this.fault = { kind: 'pass' };
        this.outageEnded?.();
      }, s.forMs),
    );
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    for (const s of this.sockets) s.destroy();
    await new Promise((r) => this.server.close(r));
  }
}
