// Scraping: pulls Prometheus text / OpenMetrics from the targets of `scrape_configs` into storage.
export { ScrapeManager, type ScrapeManagerOptions } from './manager.js';
export { targetsRoute, targetsMetadataRoute } from './api.js';
export { parseExposition, ExpositionError, type Exposition, type ExpositionFormat, type ScrapedSample } from './parse-exposition.js';
export { relabel, compileRelabel, type RelabelRule } from './relabel.js';
export { STALE_NAN } from './loop.js';
export { reloadRoutes } from './reload.js';
