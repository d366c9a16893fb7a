// Config reload for scraping: on SIGHUP or POST /-/reload the config file is read again and the
// scrape jobs are replaced where they changed; other keys need a restart.
import { HttpError, sendJson, type Route } from '../api/index.js';

/** POST (or PUT) /-/reload, as Prometheus's --web.enable-lifecycle; answers 503 when not enabled. */
export function reloadRoutes(reload: (() => Promise<void>) | undefined, enabled: boolean): Route[] {
  const handle: Route['handle'] = async (_req, res) => {
    if (!enabled || reload === undefined) throw new HttpError(503, 'unavailable', 'lifecycle APIs disabled (start with --enable-admin-api)');
    try {
      await reload();
    } catch (e) {
      throw new HttpError(500, 'reload_failed', `failed to reload config: ${(e as Error).message}`);
    }
    sendJson(res, 200, { status: 'success' });
  };
  return (['POST', 'PUT'] as const).map((method) => ({ method, path: '/-/reload', errorStyle: 'prom' as const, handle }));
}
