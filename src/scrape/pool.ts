// A scrape pool: the targets of one job. Discovery (static_configs, file_sd_configs) feeds target
// groups; every change re-derives the targets and starts, keeps or stops their loops.
import type { ScrapeConfig } from '../config/index.js';
import { labelsKey } from '../storage/index.js';
import { FileSd } from './file-sd.js';
import { ScrapeLoop, type LoopDeps } from './loop.js';
import { compileRelabel, type RelabelRule } from './relabel.js';
import { populateTargets, type TargetGroup } from './targets.js';

export class ScrapePool {
  /** Active targets by key. */
  readonly loops = new Map<string, ScrapeLoop>();
  /** Discovered labels of targets relabeling dropped (or that were invalid). */
  dropped: Readonly<Record<string, string>>[] = [];
  private readonly staticGroups: TargetGroup[];
  private readonly fileSds: FileSd[] = [];
  private readonly rules: RelabelRule[];
  private readonly metricRules: RelabelRule[];
  private readonly stopping = new Set<Promise<void>>();
  private stopped = false;

  /**
   * `predecessors`: the stopped loops of the pool this one replaces, by target labels; the targets
   * that carry on inherit their series, the others get staleness markers.
   */
  constructor(
    readonly cfg: ScrapeConfig,
    private readonly deps: LoopDeps,
    private predecessors: Map<string, ScrapeLoop> | null = null,
  ) {
    this.rules = compileRelabel(cfg.relabel_configs);
    this.metricRules = compileRelabel(cfg.metric_relabel_configs);
    this.staticGroups = cfg.static_configs.map((s) => ({ targets: s.targets.map((t) => ({ __address__: t })), labels: s.labels }));
  }

  start(): void {
    for (const f of this.cfg.file_sd_configs) {
      const sd = new FileSd(f.files, f.refresh_interval, this.deps.logger, () => this.sync());
      this.fileSds.push(sd);
      sd.start();
    }
    this.sync();
    if (this.predecessors !== null) for (const old of this.predecessors.values()) this.track(old.markStale());
    this.predecessors = null;
  }

  /** Re-derives targets from the current groups; new targets start, vanished ones stop with staleness markers. */
  sync(): void {
    if (this.stopped) return;
    const groups = [...this.staticGroups, ...this.fileSds.flatMap((sd) => sd.groups())];
    const { active, dropped, errors } = populateTargets(this.cfg, this.rules, groups);
    for (const e of errors) this.deps.logger.warn({ job: this.cfg.job_name }, `scrape target dropped: ${e}`);
    this.dropped = dropped;
    const keep = new Set<string>();
    for (const t of active) {
      if (keep.has(t.key)) continue;
      keep.add(t.key);
      if (this.loops.has(t.key)) continue;
      const loop = new ScrapeLoop(t, this.cfg, this.metricRules, this.deps);
      const old = this.predecessors?.get(labelsKey(t.labels));
      if (old !== undefined) {
        loop.inherit(old);
        this.predecessors!.delete(labelsKey(t.labels));
      }
      this.loops.set(t.key, loop);
      loop.start();
    }
    for (const [key, loop] of this.loops) {
      if (keep.has(key)) continue;
      this.loops.delete(key);
      this.track(loop.stop(true));
    }
  }

  private track(stopping: Promise<void>): void {
    const p = stopping.catch((e: unknown) => this.deps.logger.error({ err: e }, 'stopping a scrape loop failed'));
    this.stopping.add(p);
    void p.finally(() => this.stopping.delete(p));
  }

  /** Stops every loop without staleness markers, for a pool replacing this one; the loops by target labels. */
  async handOver(): Promise<Map<string, ScrapeLoop>> {
    const loops = [...this.loops.values()];
    await this.stop(false);
    const out = new Map<string, ScrapeLoop>();
    for (const l of loops) {
      const k = labelsKey(l.target.labels);
      // Two targets with the same labels: the one the new pool cannot take over ends now.
      if (out.has(k)) await l.markStale();
      else out.set(k, l);
    }
    return out;
  }

  /** Stops every loop; `markStale` when the job itself went away (a reload), not on shutdown. */
  async stop(markStale: boolean): Promise<void> {
    this.stopped = true;
    for (const sd of this.fileSds) sd.stop();
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.all([...loops.map((l) => l.stop(markStale)), ...this.stopping]);
  }
}
