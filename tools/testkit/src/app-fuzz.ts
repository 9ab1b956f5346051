import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { createInterface } from 'node:readline';
import fc from 'fast-check';

/** One hostile HTTP/1.1 request, as bytes on the wire. */
export interface FuzzRequest {
  method: string;
  target: string;
  headers: Array<[string, string]>;
  body: string;
}

const HOSTILE_TARGETS = [
  '//',
  '///',
  '//@',
  '//x:99999',
  '//[::1',
  '//%',
  '/%',
  '/%zz',
  '*',
  '/..',
  '/../..',
  '/%2e%2e/',
  '/a?b=%',
  '/?',
  '/#',
  '/\\\\',
  '/api/work?n=NaN',
  '/api/work?n=1e309',
  '/rpc/work?n=-1',
  '/trpc/work',
  '/trpc/work,work,echo?batch=1',
  '/trpc/work?input=%7B',
  '/trpc/echo',
  '/health',
  '/state',
  '/events',
  '/metrics',
  '/admin/propagation/trip',
  '/chaos',
  '/chaos/reset',
  '/stats',
  '/api/state',
  '/api/chaos',
  '/static/../x',
  '/static/dashboard.js',
];
const METHODS = [
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'PATCH',
  'TRACE',
  'CONNECT',
  'PROPFIND',
  'get',
  'X'.repeat(40),
  'G\u00e9T',
  'M-SEARCH',
];
const HEADER_NAMES = [
  'host',
  'x-region',
  'x-request-id',
  'traceparent',
  'tracestate',
  'authorization',
  'cookie',
  'origin',
  'sec-fetch-site',
  'content-type',
  'transfer-encoding',
  'content-length',
  'x-chaos-token',
  'accept',
  'connection',
  'expect',
  'x-forwarded-for',
  'x-\u00ff',
];

/** Bytes from 0x00 to 0xff as a latin1 string: what a raw client can put anywhere. */
const latin1 = (max: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: max }).map((a) => String.fromCharCode(...a));
const printable = (max: number): fc.Arbitrary<string> => fc.string({ maxLength: max });

/** Request targets, methods, header values and bodies, well-formed and not. */
export const fuzzRequestArb: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.oneof(fc.constantFrom(...METHODS), latin1(12)),
  target: fc.oneof(
    fc.constantFrom(...HOSTILE_TARGETS),
    fc.tuple(fc.constantFrom(...HOSTILE_TARGETS), latin1(24)).map(([a, b]) => a + b),
    fc.tuple(fc.constantFrom('/', '//'), printable(40)).map(([a, b]) => a + b),
    latin1(40),
  ),
  headers: fc.array(
    fc.tuple(
      fc.oneof(fc.constantFrom(...HEADER_NAMES), latin1(10)),
      fc.oneof(
        printable(60),
        latin1(60),
        fc.constantFrom(
          '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
          'chunked',
          '-1',
          '99999999999999999999',
          'us',
          'eu',
          '100-continue',
          'http://evil',
          'Bearer x',
        ),
      ),
    ),
    { maxLength: 5 },
  ),
  body: fc.oneof(
    fc.constant(''),
    printable(200),
    latin1(200),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
  ),
});

/** `count` requests from a fixed seed: the same list on every run. */
export function fuzzRequests(seed: number, count: number): FuzzRequest[] {
  return fc.sample(fuzzRequestArb, { seed, numRuns: count });
}

/** The wire bytes of a request (no normalisation of anything). */
export function requestBytes(r: FuzzRequest): Buffer {
  const head = [
    `${r.method} ${r.target} HTTP/1.1`,
    'host: 127.0.0.1',
    ...r.headers.map(([k, v]) => `${k}: ${v}`),
    `content-length: ${Buffer.byteLength(r.body, 'latin1')}`,
    'connection: close',
  ];
  return Buffer.from(`${head.join('\r\n')}\r\n\r\n${r.body}`, 'latin1');
}

/**
 * Sends raw bytes and resolves with whatever came back once the server closed (or `timeoutMs`
 * passed). Never rejects.
 */
export function sendRaw(port: number, bytes: Buffer, timeoutMs = 1_000): Promise<string> {
  return new Promise((resolve) => {
    const sock = createConnection({ host: '127.0.0.1', port });
    let out = '';
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, timeoutMs);
    sock.on('connect', () => sock.end(bytes));
    sock.on('data', (d: Buffer) => {
      out += d.toString('latin1');
    });
    sock.on('error', done);
    sock.on('close', done);
  });
}

/** Sends every request, `concurrency` at a time, bounded by `budgetMs` overall; returns how many were sent. */
export async function fire(
  port: number,
  requests: ReadonlyArray<FuzzRequest>,
  o: { concurrency?: number; budgetMs?: number } = {},
): Promise<number> {
  const end = Date.now() + (o.budgetMs ?? 4_000);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < requests.length && Date.now() < end) {
      const r = requests[next++] as FuzzRequest;
      await sendRaw(port, requestBytes(r), 800);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 8 }, worker));
  return next;
}

/** A child process running an app entry (TypeScript through tsx), and its first `ready` line. */
export interface AppProcess {
  child: ChildProcess;
  ready: Record<string, unknown>;
  /** Last lines of output, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `node --conditions=@breakwater/source --import tsx <file> ...args` and waits for `{"event":"ready"}`. */
export async function spawnApp(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--conditions=@breakwater/source', '--import', 'tsx', file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const keep = (l: string): void => {
    lines.push(l);
    if (lines.length > 50) lines.shift();
  };
  createInterface({ input: child.stderr! }).on('line', keep);
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${file}: no ready line after ${timeoutMs} ms\n${lines.join('\n')}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (l) => {
      keep(l);
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        if (o['event'] === 'ready') {
          clearTimeout(timer);
          resolve(o);
        }
      } catch {
        /* not JSON */
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${String(code)}) before it was ready\n${lines.join('\n')}`));
    });
  });
  return {
    child,
    ready,
    output: () => lines.join('\n'),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}
