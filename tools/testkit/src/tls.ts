import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { pingRedis, spawnRedisServer, type SpawnedRedis } from './redis-server.js';

/** A throwaway CA and a server certificate for 127.0.0.1 (PEM files in a temp dir). */
export interface TestCertificates {
  readonly dir: string;
  /** File paths. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The CA certificate's contents, for `tls: { ca }`. */
  readonly ca: Buffer;
  remove(): void;
}

/** redis-server options serving TLS with `certs` (clients are not asked for a certificate). */
export function tlsServerArgs(certs: TestCertificates): string[] {
  return [
    '--tls-cert-file',
    certs.certFile,
    '--tls-key-file',
    certs.keyFile,
    '--tls-ca-cert-file',
    certs.caFile,
    '--tls-auth-clients',
    'no',
  ];
}

/**
 * A standalone redis-server (own process, free ports) that also serves TLS on `tlsPort`; `url` is
 * its `rediss://` address. The plain port stays open for the readiness PING.
 */
export async function spawnTlsRedisServer(certs: TestCertificates): Promise<{ server: SpawnedRedis; url: string }> {
  const tlsPort = await freePort();
  const server = await spawnRedisServer({ args: ['--tls-port', String(tlsPort), ...tlsServerArgs(certs)] });
  return { server, url: `rediss://127.0.0.1:${tlsPort}` };
}

/** Creates a CA and a server certificate (CN and SAN 127.0.0.1) with `openssl`; valid 2 days. */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'bw-tls-'));
  const ssl = (args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed (is openssl installed?): ${r.stderr}`);
  };
  ssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=bw-test-ca',
  ]);
  ssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=127.0.0.1',
  ]);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  ssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    ca: readFileSync(join(dir, 'ca.pem')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A Redis Cluster whose nodes speak only TLS (`--port 0 --tls-port P --tls-cluster yes`), joined
 * with `redis-cli --tls --cluster create`. Never the shared Redis: own processes on free ports.
 */
export async function spawnTlsRedisCluster(
  certs: TestCertificates,
  masters = 3,
): Promise<{ startup: Array<{ host: string; port: number }>; stop(): Promise<void> }> {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort();
      // The cluster bus defaults to port + 10000, which may be taken (or past 65535): pick it too.
      const busPort = await freePort();
      ports.push(port);
      const c = spawn(
        'redis-server',
        [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          ...tlsServerArgs(certs),
          '--tls-cluster',
          'yes',
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPort),
          '--cluster-config-file',
          join(certs.dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '2000',
          '--protected-mode',
          'no',
        ],
        { stdio: 'ignore' },
      );
      c.on('error', () => undefined);
      children.push(c);
    }
    for (const port of ports) {
      const deadline = Date.now() + 5000;
      while (!(await pingRedis('127.0.0.1', port, 500, false, { ca: certs.ca }))) {
        if (Date.now() > deadline) throw new Error(`TLS redis-server on ${port} did not answer`);
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const tlsArgs = ['--tls', '--cacert', certs.caFile];
    const r = spawnSync(
      'redis-cli',
      [
        ...tlsArgs,
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (r.status !== 0) throw new Error(`redis-cli --tls --cluster create failed: ${r.stderr || r.stdout}`);
    const deadline = Date.now() + 15_000;
    for (const port of ports) {
      for (;;) {
        const info = spawnSync('redis-cli', [...tlsArgs, '-p', String(port), 'cluster', 'info'], { encoding: 'utf8' });
        if (info.stdout.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`TLS cluster node ${port} not ok: ${info.stdout}`);
        await new Promise((res) => setTimeout(res, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { startup: ports.map((port) => ({ host: '127.0.0.1', port })), stop };
}
