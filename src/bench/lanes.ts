// The lane loop both load runners share (HTTP in load.ts, StatsD in statsd-load.ts): each lane
// sends one thing at a time, closed loop (the next as soon as the last is done) or open loop on
// a fixed schedule over all lanes, with the sends still due after a grace period counted as
// missed (else a server too slow for the schedule would stretch the run without bound).
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';

export interface LaneRun {
  /** This loop's lanes, global indices laneOffset .. laneOffset + lanes - 1 of totalLanes. */
  readonly lanes: number;
  readonly laneOffset: number;
  readonly totalLanes: number;
  readonly durationMs: number;
  /** Sends per second over all lanes (open loop), or undefined (closed loop). */
  readonly rate: number | undefined;
  /** When the run started (performance.now()). */
  readonly t0: number;
  /** The run's failed sends so far: a lane whose send just failed waits 10 ms (a refused connection fails at once). */
  readonly errors: () => number;
  /** Whether the run is over before its time (no lane sends again). */
  readonly stopped?: () => boolean;
  /**
   * Hand the event loop a turn every 20 ms of sending: for sends that can complete within the
   * loop phase that started them (a UDP send), where no timer (the progress line) would run.
   */
  readonly turns?: boolean;
  /** Sends on local lane `lane`; `intended` is when it was due (open loop) or now. */
  send(lane: number, intended: number): Promise<void>;
}

/** Runs every lane to the end of the run; returns the sends the open-loop schedule asked for (0 closed loop) and those missed. */
export async function runLanes(r: LaneRun): Promise<{ scheduled: number; missed: number }> {
  const end = r.t0 + r.durationMs;
  const graceMs = Math.max(1000, r.durationMs / 10);
  const stopped = r.stopped ?? (() => false);
  let scheduled = 0;
  let missed = 0;
  await Promise.all(
    Array.from({ length: r.lanes }, async (_, i) => {
      const g = r.laneOffset + i;
      let turnAt = performance.now();
      const maybeTurn = async (now: number) => {
        if (r.turns === true && now - turnAt > 20) {
          turnAt = now;
          await turn();
        }
      };
      const rate = r.rate;
      if (rate === undefined) {
        for (let now = performance.now(); now < end && !stopped(); now = performance.now()) {
          const before = r.errors();
          await r.send(i, now);
          if (r.errors() !== before) await sleep(10);
          else await maybeTurn(now);
        }
        return;
      }
      // Lane g sends at t0 + (g + k * lanes) / rate: together, `rate` sends per second.
      // From the duration itself: (t0 + d) - t0 may come out a hair above d and add a send.
      const laneTotal = Math.max(0, Math.ceil(((r.durationMs * rate) / 1000 - g) / r.totalLanes));
      scheduled += laneTotal;
      for (let k = 0; k < laneTotal && !stopped(); k++) {
        const intended = r.t0 + ((g + k * r.totalLanes) * 1000) / rate;
        const now = performance.now();
        if (now >= end + graceMs) {
          missed += laneTotal - k;
          return;
        }
        const wait = intended - now;
        if (wait > 1) await sleep(wait);
        else await maybeTurn(now);
        await r.send(i, intended);
      }
    }),
  );
  return { scheduled, missed };
}
