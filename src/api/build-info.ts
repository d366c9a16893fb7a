// /api/v1/status/buildinfo and /api/v1/status/runtimeinfo in Prometheus's shapes (Grafana reads
// the version to pick its feature set).
import { sendJson } from './respond.js';
import type { Route } from './server.js';

export interface BuildInfo {
  readonly version: string;
  readonly startedAt: Date;
  readonly retention: string;
}

export function buildInfoRoutes(info: BuildInfo): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/status/buildinfo',
      errorStyle: 'prom',
      handle: (_req, res) =>
        sendJson(res, 200, {
          status: 'success',
          data: { version: info.version, revision: '', branch: '', buildUser: '', buildDate: '', goVersion: `node ${process.version}` },
        }),
    },
    {
      method: 'GET',
      path: '/api/v1/status/runtimeinfo',
      errorStyle: 'prom',
      handle: (_req, res) =>
        sendJson(res, 200, {
          status: 'success',
          data: {
            startTime: info.startedAt.toISOString(),
            CWD: process.cwd(),
            reloadConfigSuccess: true,
            lastConfigTime: info.startedAt.toISOString(),
            corruptionCount: 0,
            goroutineCount: 0,
            GOMAXPROCS: 1,
            GOMEMLIMIT: 0,
            GOGC: '',
            GODEBUG: '',
            storageRetention: info.retention,
          },
        }),
    },
  ];
}
