// GET /api/v1/targets and /api/v1/targets/metadata in Prometheus's JSON shapes.
import { HttpError, sendJson, type Route } from '../api/index.js';
import { formatDuration } from '../config/index.js';
import { parseSelector, ParseError } from '../promql/index.js';
import { labelValue, labelsToRecord } from '../storage/index.js';
import type { ScrapeLoop } from './loop.js';
import type { ScrapeManager } from './manager.js';
import { globalUrl } from './targets.js';

const NEVER = '0001-01-01T00:00:00Z';

function activeTarget(pool: string, loop: ScrapeLoop): object {
  const t = loop.target;
  return {
    discoveredLabels: t.discovered,
    labels: labelsToRecord(t.labels),
    scrapePool: pool,
    scrapeUrl: t.url,
    globalUrl: globalUrl(t.url),
    lastError: loop.lastError,
    lastScrape: loop.lastScrape === null ? NEVER : loop.lastScrape.toISOString(),
    lastScrapeDuration: loop.lastDurationS,
    health: loop.health,
    scrapeInterval: formatDuration(t.intervalMs),
    scrapeTimeout: formatDuration(t.timeoutMs),
  };
}

/** GET /api/v1/targets?state=active|dropped|any&scrapePool=<job>. */
export function targetsRoute(manager: ScrapeManager): Route {
  return {
    method: 'GET',
    path: '/api/v1/targets',
    errorStyle: 'prom',
    handle(_req, res, { query }) {
      const state = (query.get('state') ?? '').toLowerCase();
      const only = query.get('scrapePool');
      const showActive = state === '' || state === 'any' || state === 'active';
      const showDropped = state === '' || state === 'any' || state === 'dropped';
      const pools = [...manager.pools.entries()].filter(([job]) => only === null || only === '' || job === only).sort(([a], [b]) => (a < b ? -1 : 1));
      const activeTargets: object[] = [];
      const droppedTargets: object[] = [];
      const droppedTargetCounts: Record<string, number> = {};
      for (const [job, pool] of pools) {
        droppedTargetCounts[job] = pool.dropped.length;
        if (showActive) {
          const loops = [...pool.loops.values()].sort((a, b) => (a.target.url < b.target.url ? -1 : a.target.url > b.target.url ? 1 : 0));
          for (const loop of loops) activeTargets.push(activeTarget(job, loop));
        }
        if (showDropped) for (const d of pool.dropped) droppedTargets.push({ discoveredLabels: d, scrapePool: job });
      }
      sendJson(res, 200, { status: 'success', data: { activeTargets, droppedTargets, droppedTargetCounts } });
    },
  };
}

/** GET /api/v1/targets/metadata?match_target=<selector>&metric=<name>&limit=<n>. */
export function targetsMetadataRoute(manager: ScrapeManager): Route {
  return {
    method: 'GET',
    path: '/api/v1/targets/metadata',
    errorStyle: 'prom',
    handle(_req, res, { query }) {
      const matchText = query.get('match_target') ?? '';
      let matchers: ReturnType<typeof parseSelector> = [];
      if (matchText !== '') {
        try {
          matchers = parseSelector(matchText);
        } catch (e) {
          if (e instanceof ParseError || e instanceof SyntaxError) throw new HttpError(400, 'bad_data', `invalid parameter "match_target": ${e.message}`);
          throw e;
        }
      }
      const metric = query.get('metric') ?? '';
      const limitText = query.get('limit') ?? '';
      const limit = limitText === '' ? -1 : Number(limitText);
      if (!Number.isInteger(limit)) throw new HttpError(400, 'bad_data', `invalid parameter "limit": ${JSON.stringify(limitText)} is not an integer`);
      const data: object[] = [];
      for (const pool of manager.pools.values()) {
        for (const loop of pool.loops.values()) {
          const labels = loop.target.labels;
          if (!matchers.every((m) => m.matches(labelValue(labels, m.name)))) continue;
          const target = labelsToRecord(labels);
          for (const [name, m] of loop.metadata) {
            if (limit >= 0 && data.length >= limit) break;
            if (metric !== '' && name !== metric) continue;
            data.push(metric !== '' ? { target, type: m.type, help: m.help, unit: m.unit } : { target, metric: name, type: m.type, help: m.help, unit: m.unit });
          }
        }
      }
      sendJson(res, 200, { status: 'success', data });
    },
  };
}
