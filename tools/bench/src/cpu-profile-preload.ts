/**
 * Preloaded into a service by `bench:consent --cpu-prof` (NODE_OPTIONS=--require ..., since Node 20 refuses
 * --cpu-prof in NODE_OPTIONS). SIGUSR2 starts the V8 CPU profiler; the next SIGUSR2 (or the process exit) stops
 * it and writes `<BENCH_CPU_PROFILE_DIR>/<pid>-<n>.cpuprofile`, which Chrome DevTools or speedscope open.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  let running = false;
  let written = 0;
  const stop = () => {
    if (!running) return;
    running = false;
    // The main-thread session answers synchronously, so this also works in an exit handler.
    session.post('Profiler.stop', (error, result) => {
      if (error) return;
      mkdirSync(dir, { recursive: true });
      written += 1;
      writeFileSync(join(dir, `${process.pid}-${written}.cpuprofile`), JSON.stringify(result.profile));
    });
  };
  process.on('SIGUSR2', () => {
    if (running) {
      stop();
      return;
    }
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 100 }, () =>
        session.post('Profiler.start', () => {
          running = true;
        }),
      ),
    );
  });
  process.on('exit', stop);
}
