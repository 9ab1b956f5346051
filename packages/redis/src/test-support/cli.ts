import { runCli } from '../cli/main.js';

/** Runs the CLI in-process with empty env; returns its exit code and what it wrote. */
export async function runCliCaptured(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; out: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    args,
    {},
    {
      out: (x) => {
        stdout += x;
      },
      err: (x) => {
        stderr += x;
      },
    },
  );
  return { code, stdout, stderr, out: stdout + stderr };
}
