// Configuration: the one schema and its loader.
export { OPTIONS, OPTION_KEYS, envName, flagName, formatDefault, type Config, type OptionKey } from './schema.js';
export { loadConfig, ConfigError, type LoadInput } from './load.js';
export { parseBytes, parseDuration, formatBytes, formatDuration } from './units.js';
export {
  resolveScrapeConfigs,
  RELABEL_ACTIONS,
  SCRAPE_KEY_DOCS,
  type GlobalConfig,
  type RelabelAction,
  type RelabelConfig,
  type ScrapeConfig,
  type ScrapeConfigInput,
} from './scrape-schema.js';
