/**
 * Preloaded into a service by a benchmark's `--cpu-prof` or `--alloc-prof` (NODE_OPTIONS=--require ..., since Node
 * 20 refuses --cpu-prof in NODE_OPTIONS). SIGUSR2 starts the profiler; the next SIGUSR2 (or the process exit) stops
 * it and writes `<BENCH_CPU_PROFILE_DIR>/<pid>-<n>.cpuprofile` (V8 CPU profiler, 100 µs interval) or, with
 * BENCH_PROFILE_KIND=alloc, `<pid>-<n>.heapprofile`: V8's sampling heap profiler (a sample every 64 KiB allocated)
 * keeping the objects collected since, so it shows where the heap was allocated, not what is still alive — what
 * the scavenges pay for. Chrome DevTools or speedscope open both.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
const alloc = process.env.BENCH_PROFILE_KIND === 'alloc';
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let written = 0;
  const save = (profile: object, extension: string) => {
    mkdirSync(dir, { recursive: true });
    written += 1;
    writeFileSync(join(dir, `${process.pid}-${written}.${extension}`), JSON.stringify(profile));
  };
  const stop = () => {
    if (!running) return;
    running = false;
    // The main-thread session answers synchronously, so this also works in an exit handler.
    if (alloc)
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (!error) save(result.profile, 'heapprofile');
      });
    else
      session.post('Profiler.stop', (error, result) => {
        if (!error) save(result.profile, 'cpuprofile');
      });
  };
  const start = () => {
    if (alloc)
      session.post('HeapProfiler.enable', () =>
        session.post(
          'HeapProfiler.startSampling',
          { samplingInterval: 65_536, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true },
          () => {
            running = true;
          },
        ),
      );
    else
      session.post('Profiler.enable', () =>
        session.post('Profiler.setSamplingInterval', { interval: 100 }, () =>
          session.post('Profiler.start', () => {
            running = true;
          }),
        ),
      );
  };
  process.on('SIGUSR2', () => (running ? stop() : start()));
  process.on('exit', stop);
}
