import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const BACKEND_SCRIPT = join(__dirname, 'fixtures', 'echo-backend-process.js');

/** A grpc-js Echo backend (Unary, with `delayMs`, and Health) in a child process, killed as a pod dies: SIGKILL, no GOAWAY. */
export class BackendProcess {
  /** Starts one and waits until it listens. */
  public static async start(id: string, port: number): Promise<BackendProcess> {
    const child = fork(BACKEND_SCRIPT, [id, String(port)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
    const bound = await new Promise<number>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`backend ${id} exited with ${code} before listening`)));
    });
    return new BackendProcess(id, bound, child);
  }

  private constructor(public readonly id: string, public readonly port: number, private readonly child: ChildProcess) {}

  /** SIGKILL, and wait until the process is gone. */
  public async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
