// File-based service discovery: JSON or YAML files of target groups, re-read when fs.watch reports
// a change in their directory and every refresh_interval. A file that cannot be read or parsed
// keeps the groups it last had, as Prometheus does.
import { readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TargetGroup } from './targets.js';

const fileSchema = z.array(
  z.strictObject({
    targets: z.array(z.string()),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string()).optional(),
  }),
);

/** Parses the text of one file_sd file into groups (with `__meta_filepath`); throws on bad content. */
export function parseFileSd(path: string, text: string): TargetGroup[] {
  let doc: unknown;
  try {
    doc = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new SyntaxError(`${path}: ${(e as Error).message}`);
  }
  if (doc === null || doc === undefined) return [];
  const r = fileSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new SyntaxError(`${path}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data.map((g) => ({
    targets: g.targets.map((t) => ({ __address__: t })),
    labels: { ...g.labels, __meta_filepath: path },
  }));
}

/** Paths a file_sd pattern names now: the last element may hold `*` wildcards. */
export function expandPattern(pattern: string): string[] {
  const abs = resolve(pattern);
  const name = basename(abs);
  if (!name.includes('*')) return [abs];
  const re = new RegExp(`^${name.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  try {
    return readdirSync(dirname(abs))
      .filter((f) => re.test(f))
      .sort()
      .map((f) => join(dirname(abs), f));
  } catch {
    return [];
  }
}

export class FileSd {
  private readonly byFile = new Map<string, TargetGroup[]>();
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;

  constructor(
    private readonly patterns: readonly string[],
    private readonly refreshMs: number,
    private readonly logger: Logger,
    /** Called with every group of every file after a refresh that changed something. */
    private readonly onChange: (groups: TargetGroup[]) => void,
  ) {}

  /** Reads the files once, then watches them. */
  start(): TargetGroup[] {
    this.refresh(false);
    for (const dir of new Set(this.patterns.map((p) => dirname(resolve(p))))) {
      try {
        const w = watch(dir, () => this.soon());
        w.on('error', (e) => this.logger.warn({ dir, err: e }, 'file_sd: watching a directory failed; relying on refresh_interval'));
        this.watchers.push(w);
      } catch (e) {
        this.logger.warn({ dir, err: e }, 'file_sd: cannot watch directory; relying on refresh_interval');
      }
    }
    this.timer = setInterval(() => this.refresh(true), this.refreshMs);
    this.timer.unref();
    return this.groups();
  }

  stop(): void {
    for (const w of this.watchers) w.close();
    this.watchers.length = 0;
    if (this.timer !== null) clearInterval(this.timer);
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.timer = this.debounce = null;
  }

  groups(): TargetGroup[] {
    return [...this.byFile.values()].flat();
  }

  // Editors and `mv` produce bursts of events: read once the burst is over.
  private soon(): void {
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.refresh(true);
    }, 50);
  }

  private refresh(notify: boolean): void {
    const files = new Set(this.patterns.flatMap(expandPattern));
    let changed = false;
    for (const f of [...this.byFile.keys()]) {
      if (!files.has(f)) {
        this.byFile.delete(f);
        changed = true;
      }
    }
    for (const f of files) {
      let groups: TargetGroup[];
      try {
        groups = parseFileSd(f, readFileSync(f, 'utf8'));
      } catch (e) {
        // A file that vanished between listing and reading is gone; a bad one keeps its old groups.
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
          if (this.byFile.delete(f)) changed = true;
        } else this.logger.error({ file: f, err: (e as Error).message }, 'file_sd: cannot read target file; keeping its previous targets');
        continue;
      }
      const before = this.byFile.get(f);
      if (before === undefined || JSON.stringify(before) !== JSON.stringify(groups)) {
        this.byFile.set(f, groups);
        changed = true;
      }
    }
    if (changed && notify) this.onChange(this.groups());
  }
}
