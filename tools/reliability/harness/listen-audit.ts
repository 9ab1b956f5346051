import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A listening TCP socket as /proc/net/tcp{,6} reports it. */
export interface ListeningSocket {
  address: string;
  port: number;
  inode: string;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    // IPv4, little-endian per 32-bit word.
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  // IPv6: four little-endian 32-bit words.
  const words: string[] = [];
  for (let w = 0; w < 4; w++) {
    const chunk = hex.slice(w * 8, w * 8 + 8);
    const bytes = [3, 2, 1, 0].map((i) => chunk.slice(i * 2, i * 2 + 2));
    words.push(bytes[0]! + bytes[1]!, bytes[2]! + bytes[3]!);
  }
  const full = words.map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':');
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  if (full === '0:0:0:0:0:0:0:0') return '::';
  const mapped = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(full);
  if (mapped) {
    const n = (parseInt(mapped[1]!, 16) << 16) | parseInt(mapped[2]!, 16);
    return `::ffff:${[24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.')}`;
  }
  return full;
}

function listening(): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const [addr, port] = cols[1]!.split(':');
      out.push({ address: decodeAddress(addr!), port: parseInt(port!, 16), inode: cols[9]! });
    }
  }
  return out;
}

/** `pid` and all its descendants (Linux /proc). */
export function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const p = all[i]!;
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const kids = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim();
        if (kids) all.push(...kids.split(/\s+/).map(Number));
      } catch {
        /* task exited */
      }
    }
  }
  return all;
}

/** Every TCP socket the process tree of `pid` listens on. */
export function listeningSocketsOf(pid: number): ListeningSocket[] {
  const inodes = new Set<string>();
  for (const p of processTree(pid)) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* fd closed meanwhile */
      }
    }
  }
  return listening().filter((s) => inodes.has(s.inode));
}

/** Loopback addresses only. */
export const isLoopback = (address: string): boolean =>
  address === '::1' || address.startsWith('127.') || address.startsWith('::ffff:127.');
