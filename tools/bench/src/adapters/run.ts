/** One side of a comparison: a function making one request and reading its body. */
export interface Contender {
  name: string;
  call: () => Promise<unknown>;
  close?: () => Promise<void> | void;
}

/** CPU time of this process (user + system) per call, in µs, of the last {@link throughput} run. */
export let lastCpuUsPerCall = 0;

/**
 * Calls per second of `callers` concurrent loops of `call` during `ms` (closed loop: each caller
 * awaits its call). Also sets {@link lastCpuUsPerCall}: on a shared machine CPU time per call is
 * steadier than wall-clock throughput.
 */
export async function throughput(call: () => Promise<unknown>, callers: number, ms: number): Promise<number> {
  let done = 0;
  let stop = false;
  const cpu0 = process.cpuUsage();
  const timer = setTimeout(() => {
    stop = true;
  }, ms);
  const loop = async (): Promise<void> => {
    while (!stop) {
      await call();
      done++;
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: callers }, loop));
  clearTimeout(timer);
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  lastCpuUsPerCall = (cpu.user + cpu.system) / done;
  return done / elapsed;
}
