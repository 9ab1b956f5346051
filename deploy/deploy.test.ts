import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { gatewayFlags, parseGatewayArgs, parseReplicaList } from '@breakwater/gateway';
import { parseReplicaArgs, replicaFlags } from '@breakwater/replica';
import { storeAclRules } from '@breakwater/redis';

// The manifests cannot run here (no Docker, no cluster), so this test checks them against the
// apps themselves: every env var is a flag the app knows, ports agree end to end, images match
// the Dockerfile's targets, and the gateway's upstream list names real Services.
const dir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const TAG = '0.1.0';
const IMAGES = { replica: `breakwater-replica:${TAG}`, gateway: `breakwater-gateway:${TAG}` } as const;
const EXTRA_ENV = new Set(['CHAOS_TOKEN', 'REDIS_PASSWORD', 'BW_REDIS_SECRET']);
/** Secrets as the manifests reference them, replaced by a value before the apps parse them. */
const withSecrets = (v: string): string =>
  v.replace('${REDIS_PASSWORD:?set REDIS_PASSWORD}', 'p'.repeat(48)).replace('$(REDIS_PASSWORD)', 'p'.repeat(48));
const replicaEnv = new Set(replicaFlags.map((f) => f.env));
const gatewayEnv = new Set(gatewayFlags.map((f) => f.env));

type Obj = Record<string, any>; // parsed YAML: shape checked by the assertions below
const compose = parse(readFileSync(`${dir}/compose.yaml`, 'utf8'), { merge: true }) as Obj;
const k8s: Obj[] = readdirSync(`${dir}/k8s`)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(`${dir}/k8s/${f}`, 'utf8')).map((d) => {
      expect(d.errors, f).toEqual([]);
      return d.toJS() as Obj;
    }),
  );
const ofKind = (kind: string): Obj[] => k8s.filter((o) => o['kind'] === kind);
const envOf = (container: Obj): Record<string, string | undefined> =>
  Object.fromEntries((container['env'] as Obj[]).map((e) => [e['name'], e['value'] as string | undefined]));
const appOf = (image: string): 'replica' | 'gateway' | undefined =>
  image === IMAGES.replica ? 'replica' : image === IMAGES.gateway ? 'gateway' : undefined;

describe('deploy/Dockerfile', () => {
  const text = readFileSync(`${dir}/Dockerfile`, 'utf8');
  it('has a target per app whose entry file exists, and opens HOST inside the container', () => {
    for (const app of ['replica', 'gateway']) {
      const stage = text.split(/^FROM /m).find((s) => s.includes(`AS ${app}\n`)) ?? '';
      expect(stage, app).toContain(`"apps/${app}/src/main.ts"`);
      expect(stage).toContain('"--conditions=@breakwater/source", "--import", "tsx"');
      expect(existsSync(`${root}/apps/${app}/src/main.ts`)).toBe(true);
    }
    expect(text).toMatch(/^ENV HOST=0\.0\.0\.0$/m);
    expect(text).toMatch(/ENV PORT=8080 ADMIN_PORT=9090\nEXPOSE 8080 9090/);
    expect(text).toMatch(/ENV PORT=8000 L4_PORT=8001\nEXPOSE 8000 8001/);
  });
});

describe('deploy/compose.yaml', () => {
  const services = compose['services'] as Record<string, Obj>;
  const env = (s: Obj): Record<string, string> =>
    Object.fromEntries(Object.entries(s['environment'] as Obj).map(([k, v]) => [k, String(v)]));

  it('runs 2 regions × 3 replicas, 2 gateways and Redis from the right images and targets', () => {
    const replicas = Object.values(services).filter((s) => s['image'] === IMAGES.replica);
    const gateways = Object.values(services).filter((s) => s['image'] === IMAGES.gateway);
    expect(replicas).toHaveLength(6);
    expect(gateways).toHaveLength(2);
    expect(services['redis']?.['image']).toMatch(/^redis:7/);
    for (const s of [...replicas, ...gateways]) {
      expect(s['build']).toEqual({
        context: '..',
        dockerfile: 'deploy/Dockerfile',
        target: appOf(s['image'] as string),
      });
    }
    expect(new Set(replicas.map((s) => env(s)['REGION']))).toEqual(new Set(['eu', 'us']));
  });

  it('sets only env vars the apps read, and each app accepts its configuration', () => {
    for (const [name, s] of Object.entries(services)) {
      const app = appOf(s['image'] as string);
      if (app === undefined) continue;
      const e = env(s);
      const known = app === 'replica' ? replicaEnv : gatewayEnv;
      expect(
        Object.keys(e).filter((k) => !known.has(k) && !EXTRA_ENV.has(k)),
        name,
      ).toEqual([]);
      expect(e['HOST'], name).toBe('0.0.0.0');
      expect(e['CHAOS_TOKEN'], name).toBe('${CHAOS_TOKEN:?set CHAOS_TOKEN}');
      const withToken = {
        ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, withSecrets(v)])),
        CHAOS_TOKEN: 'x'.repeat(32),
      };
      if (app === 'replica')
        expect(parseReplicaArgs([], withToken)).toMatchObject({ port: 8080, adminPort: 9090, host: '0.0.0.0' });
      else
        expect(parseGatewayArgs([], withToken)).toMatchObject({
          ports: [8000],
          l4Ports: [8001],
          regions: ['eu', 'us'],
          redisUrl: `redis://breakwater:${'p'.repeat(48)}@redis:6379`,
        });
    }
  });

  it("gateways' upstreams are the replica services on their service port, regions matching", () => {
    for (const s of Object.values(services).filter((x) => x['image'] === IMAGES.gateway)) {
      const ups = parseReplicaList(env(s)['REPLICAS'] as string);
      expect(ups).toHaveLength(6);
      for (const u of ups) {
        const url = new URL(u.url);
        const target = services[url.hostname];
        expect(target, u.url).toBeDefined();
        expect(env(target!)['PORT']).toBe(url.port);
        expect(env(target!)['REGION']).toBe(u.region);
        expect(env(target!)['REPLICA_ID']).toBe(u.id);
      }
      expect((s['ports'] as string[]).map((p) => p.split(':')[1])).toEqual(['8000', '8001']);
    }
  });
});

describe('deploy/k8s', () => {
  const deployments = ofKind('Deployment');
  const services = ofKind('Service');
  const container = (d: Obj): Obj => (d['spec']['template']['spec']['containers'] as Obj[])[0] as Obj;

  it('has replica Deployments per region, a multi-pod gateway Deployment and Redis', () => {
    const replicas = deployments.filter((d) => container(d)['image'] === IMAGES.replica);
    expect(replicas.filter((d) => d['metadata']['labels']['region'] === 'eu')).toHaveLength(3);
    expect(replicas.filter((d) => d['metadata']['labels']['region'] === 'us')).toHaveLength(3);
    const gw = deployments.find((d) => container(d)['image'] === IMAGES.gateway);
    expect(gw?.['spec']['replicas']).toBeGreaterThanOrEqual(2);
    expect(deployments.some((d) => String(container(d)['image']).startsWith('redis:7'))).toBe(true);
    for (const d of deployments) {
      expect(d['spec']['selector']['matchLabels']).toEqual(expect.objectContaining({}));
      for (const [k, v] of Object.entries(d['spec']['selector']['matchLabels'] as Record<string, string>))
        expect(d['spec']['template']['metadata']['labels'][k], d['metadata']['name']).toBe(v);
    }
  });

  it('containers set only known env vars, take the token from a Secret, and expose the ports they listen on', () => {
    for (const d of deployments) {
      const c = container(d);
      const app = appOf(c['image'] as string);
      if (app === undefined) continue;
      const e = envOf(c);
      const known = app === 'replica' ? replicaEnv : gatewayEnv;
      expect(
        Object.keys(e).filter((k) => !known.has(k) && !EXTRA_ENV.has(k)),
        d['metadata']['name'],
      ).toEqual([]);
      const token = (c['env'] as Obj[]).find((x) => x['name'] === 'CHAOS_TOKEN');
      expect(token?.['valueFrom']?.['secretKeyRef']).toEqual({ name: 'breakwater-chaos', key: 'token' });
      expect(e['HOST']).toBe('0.0.0.0');
      const ports = (c['ports'] as Obj[]).map((p) => p['containerPort'] as number).sort();
      const resolved = {
        ...Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === undefined ? v : withSecrets(v)])),
        CHAOS_TOKEN: 'x'.repeat(32),
        GATEWAY_ID: e['GATEWAY_ID'] ?? 'gateway-abc',
      };
      if (app === 'replica') {
        const cfg = parseReplicaArgs([], resolved);
        expect(ports).toEqual([cfg.port, cfg.adminPort].sort());
        expect(c['readinessProbe']['httpGet']).toEqual({ path: '/health', port: cfg.port });
        expect(c['livenessProbe']['httpGet']).toEqual({ path: '/health', port: cfg.adminPort });
      } else {
        const cfg = parseGatewayArgs([], resolved);
        expect(ports).toEqual([cfg.ports[0], cfg.l4Ports?.[0]].sort());
        expect(c['readinessProbe']['httpGet']).toEqual({ path: '/health', port: cfg.ports[0] });
        const redis = new URL(cfg.redisUrl as string);
        const svc = services.find((s) => s['metadata']['name'] === redis.hostname);
        expect(svc?.['spec']['ports'].map((p: Obj) => p['port'])).toContain(Number(redis.port));
        for (const u of cfg.replicas) {
          const url = new URL(u.url);
          const target = services.find((s) => s['metadata']['name'] === url.hostname);
          expect(target, u.url).toBeDefined();
          expect(target!['spec']['ports'].map((p: Obj) => p['port'])).toContain(Number(url.port));
          const dep = deployments.find((x) =>
            Object.entries(target!['spec']['selector'] as Record<string, string>).every(
              ([k, v]) => x['spec']['template']['metadata']['labels'][k] === v,
            ),
          );
          expect(envOf(container(dep!))).toMatchObject({ REPLICA_ID: u.id, REGION: u.region });
        }
      }
    }
  });

  it("every Service targets ports its pods' containers expose", () => {
    for (const s of services) {
      const sel = s['spec']['selector'] as Record<string, string>;
      const pods = deployments.filter((d) =>
        Object.entries(sel).every(([k, v]) => d['spec']['template']['metadata']['labels'][k] === v),
      );
      expect(pods.length, s['metadata']['name']).toBeGreaterThan(0);
      for (const p of s['spec']['ports'] as Obj[]) {
        for (const d of pods)
          expect((container(d)['ports'] as Obj[]).map((x) => x['containerPort'])).toContain(p['targetPort']);
      }
    }
  });
});

/** The ACL rules of the store's Redis user, as a manifest passes them to redis-server (after `--user breakwater`). */
function aclRulesOf(args: readonly string[]): string[] {
  const i = args.findIndex((a, j) => a === '--user' && args[j + 1] === 'breakwater');
  expect(i, 'a --user breakwater line').toBeGreaterThanOrEqual(0);
  const rest = args.slice(i + 2);
  const end = rest.findIndex((a) => a.startsWith('--'));
  return end < 0 ? rest : rest.slice(0, end);
}

describe('Redis is locked down (who can write to Redis can trip breakers)', () => {
  const composeRedis = (compose['services'] as Record<string, Obj>)['redis'] as Obj;
  const k8sRedis = ofKind('Deployment').find((d) =>
    String((d['spec']['template']['spec']['containers'] as Obj[])[0]!['image']).startsWith('redis:7'),
  )!;
  const k8sRedisContainer = (k8sRedis['spec']['template']['spec']['containers'] as Obj[])[0] as Obj;

  it('compose: the default user is off, the store has its own ACL user, and only gateways share a network with Redis', () => {
    const cmd = composeRedis['command'] as string[];
    expect(cmd.join(' ')).toContain('--user default off');
    const rules = aclRulesOf(cmd);
    // Exactly the rules @breakwater/redis documents and tests against a real redis-server (acl.int.test.ts).
    expect(rules).toEqual(['on', '>${REDIS_PASSWORD:?set REDIS_PASSWORD}', ...storeAclRules('bw')]);
    const services = compose['services'] as Record<string, Obj>;
    for (const [name, s] of Object.entries(services)) {
      const nets = (s['networks'] as string[] | undefined) ?? ['default'];
      const app = appOf(String(s['image']));
      if (name === 'redis') expect(nets).toEqual(['breakers']);
      else if (app === 'gateway') expect(nets).toContain('breakers');
      else expect(nets, name).not.toContain('breakers');
      if (app === 'gateway')
        expect(String((s['environment'] as Obj)['REDIS_URL'])).toMatch(
          /^redis:\/\/breakwater:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379$/,
        );
      // The store's HMAC key (issue 14.11): required from the environment / env file, gateways only.
      if (app === 'gateway')
        expect((s['environment'] as Obj)['BW_REDIS_SECRET']).toBe('${BW_REDIS_SECRET:?set BW_REDIS_SECRET}');
      else expect(JSON.stringify(s)).not.toContain('BW_REDIS_SECRET');
    }
    expect((compose['networks'] as Obj)['breakers']).toEqual({ internal: true });
  });

  it('k8s: the password comes from a Secret, the ACL matches compose, and a NetworkPolicy admits only the gateways', () => {
    const args = k8sRedisContainer['args'] as string[];
    expect(args.join(' ')).toContain('--user default off');
    const composeRules = aclRulesOf(composeRedis['command'] as string[]).map((r) => (r.startsWith('>') ? '>' : r));
    expect(aclRulesOf(args).map((r) => (r.startsWith('>') ? '>' : r))).toEqual(composeRules);
    expect(aclRulesOf(args)).toContain('>$(REDIS_PASSWORD)');
    const secretRef = { secretKeyRef: { name: 'breakwater-redis', key: 'password' } };
    expect((k8sRedisContainer['env'] as Obj[]).find((x) => x['name'] === 'REDIS_PASSWORD')?.['valueFrom']).toEqual(
      secretRef,
    );
    const gw = ofKind('Deployment').find((d) => d['metadata']['name'] === 'gateway')!;
    const gwEnv = (gw['spec']['template']['spec']['containers'] as Obj[])[0]!['env'] as Obj[];
    const pw = gwEnv.findIndex((x) => x['name'] === 'REDIS_PASSWORD');
    const url = gwEnv.findIndex((x) => x['name'] === 'REDIS_URL');
    expect(gwEnv[pw]?.['valueFrom']).toEqual(secretRef);
    expect(pw, 'REDIS_PASSWORD is defined before REDIS_URL expands it').toBeLessThan(url);
    expect(gwEnv[url]?.['value']).toBe('redis://breakwater:$(REDIS_PASSWORD)@redis:6379');
    // The store's HMAC key (issue 14.11): from the same Secret, for the gateways only.
    expect(gwEnv.find((x) => x['name'] === 'BW_REDIS_SECRET')?.['valueFrom']).toEqual({
      secretKeyRef: { name: 'breakwater-redis', key: 'secret' },
    });
    expect((k8sRedisContainer['env'] as Obj[]).map((x) => x['name'])).not.toContain('BW_REDIS_SECRET');
    const policies = ofKind('NetworkPolicy').filter((p) => p['spec']['podSelector']['matchLabels']['app'] === 'redis');
    expect(policies).toHaveLength(1);
    expect(policies[0]!['spec']['policyTypes']).toEqual(['Ingress']);
    expect(policies[0]!['spec']['ingress']).toEqual([
      { from: [{ podSelector: { matchLabels: { app: 'gateway' } } }], ports: [{ protocol: 'TCP', port: 6379 }] },
    ]);
  });
});
