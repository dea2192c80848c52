/**
 * Serializes manifests to YAML and writes them on a worker thread, so that
 * building objects (main thread) and writing YAML (worker) use both cores.
 * Synchronous for callers: `finish()` blocks until every file is written, so
 * `App.synth()` keeps its synchronous contract.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { Yaml } from 'cdk8s';

/** A file to write: YAML documents (serialized like cdk8s does) or ready text. */
export interface PendingFile {
  readonly path: string;
  readonly docs?: unknown[];
  readonly content?: string;
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('worker_threads');
const fs = require('fs');
const path = require('path');
const { Yaml } = require(workerData.cdk8s);
const state = new Int32Array(workerData.state);
const errorText = new Uint8Array(workerData.error);
const made = new Set();
// Two workers may create the same folder; mkdir with recursive tolerates that.
parentPort.on('message', batch => {
  try {
    for (const file of batch) {
      const target = path.join(workerData.root, file.path);
      const dir = path.dirname(target);
      if (!made.has(dir)) { fs.mkdirSync(dir, { recursive: true }); made.add(dir); }
      fs.writeFileSync(target, file.docs ? Yaml.stringify(...file.docs) : file.content);
    }
  } catch (error) {
    errorText.set(Buffer.from(String(error && error.message || error)).subarray(0, errorText.length - 1));
    Atomics.store(state, 1, 1);
  }
  Atomics.add(state, 0, batch.length);
  Atomics.notify(state, 0);
});
`;

const BATCH = 16;
/**
 * Files written on the calling thread before the writer threads start: starting them costs
 * about 100 ms, more than they save on a small output such as the four-team example.
 */
const THREADS_AFTER_FILES = 64;
const STALL_SECONDS = 120;
/** Files in flight before the producer waits, which bounds memory. */
const MAX_OUTSTANDING = 1024;

function writeNow(root: string, file: PendingFile): void {
  const target = path.join(root, file.path);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, file.docs ? Yaml.stringify(...file.docs) : file.content!);
}

/** Writes files under `root`, on a worker thread unless `threaded` is false. */
export class ParallelFileWriter {
  private readonly workers: Worker[] = [];
  private state?: Int32Array;
  private error?: Uint8Array;
  private batch: PendingFile[] = [];
  private sent = 0;
  private next = 0;
  private readonly written: string[] = [];

  /**
   * @param root folder to write under
   * @param threaded serialize on worker threads (one per core, at most two) once the output
   *   is large enough for them to pay off
   */
  constructor(private readonly root: string, private readonly threaded: boolean = true) {}

  private startThreads(): void {
    const state = new SharedArrayBuffer(8);
    const error = new SharedArrayBuffer(4096);
    this.state = new Int32Array(state);
    this.error = new Uint8Array(error);
    const count = Math.max(1, Math.min(2, os.availableParallelism()));
    for (let i = 0; i < count; i++) {
      this.workers.push(new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { root: this.root, state, error, cdk8s: require.resolve('cdk8s') },
      }));
    }
  }

  /** Writer threads started so far (none until the output is large enough). */
  public get threads(): number {
    return this.workers.length;
  }

  /** Paths written so far (relative, "/"-separated). */
  public get paths(): string[] {
    return this.written;
  }

  public write(file: PendingFile): void {
    this.written.push(file.path);
    if (this.workers.length === 0 && this.threaded && this.written.length > THREADS_AFTER_FILES) this.startThreads();
    if (this.workers.length === 0) return writeNow(this.root, file);
    this.batch.push(file);
    if (this.batch.length >= BATCH) this.flush();
  }

  /** Blocks until every file is written; throws the worker's error, if any. */
  public finish(): void {
    if (this.workers.length === 0) return;
    this.flush();
    this.waitUntil(0);
    this.abort();
    if (Atomics.load(this.state!, 1) !== 0) {
      throw new Error(`writing manifests failed: ${Buffer.from(this.error!).toString('utf8').replace(/\0+$/, '')}`);
    }
  }

  /** Stops the worker without waiting. */
  public abort(): void {
    for (const worker of this.workers) void worker.terminate();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.workers[this.next++ % this.workers.length].postMessage(this.batch);
    this.sent += this.batch.length;
    this.batch = [];
    this.waitUntil(MAX_OUTSTANDING);
  }

  private waitUntil(outstanding: number): void {
    let idle = 0;
    for (;;) {
      const done = Atomics.load(this.state!, 0);
      if (this.sent - done <= outstanding) return;
      if (Atomics.wait(this.state!, 0, done, 1000) === 'timed-out' && ++idle >= STALL_SECONDS) {
        this.abort();
        throw new Error(`writing manifests stalled: the writer thread made no progress for ${STALL_SECONDS} s`);
      }
      if (Atomics.load(this.state!, 0) !== done) idle = 0;
    }
  }
}
