// Memory of a headless Chromium's renderer processes, read from /proc: a worker's ArrayBuffers live there, and
// performance.measureUserAgentSpecificMemory does not count them.
import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process has an ancestor started with this browser profile (renderers do not repeat the flag). */
function descendsFrom(pid, profileDir) {
  for (let p = pid, hops = 0; p && p !== '1' && hops < 10; hops++) {
    try {
      if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(profileDir)) return true;
      p = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1];
    } catch {
      return false;
    }
  }
  return false;
}

/** Resident and peak memory (MB) of every renderer process of the browser started with `profileDir`. */
export function rendererMemory(profileDir) {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes('--type=renderer') || !descendsFrom(pid, profileDir)) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (k) => Number(status.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0);
      out.push({ pid: Number(pid), rssMB: kb('VmRSS') / 1024, peakMB: kb('VmHWM') / 1024 });
    } catch {}
  }
  return out;
}
