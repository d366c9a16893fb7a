// The text of `--help` for each command, generated from the one config schema.
import { BENCH_FLAGS } from '../bench/index.js';
import { envName, flagName, formatDefault, OPTION_KEYS, OPTIONS, SCRAPE_KEY_DOCS } from '../config/index.js';

function wrap(text: string, indent: number, width = 100): string {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line.length > 0 && indent + line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line.length > 0 ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join('\n' + ' '.repeat(indent));
}

export const MAIN_HELP = `MetricStream: push or scrape metrics, rate-limit them per client, store them in an embedded
compressed time-series engine and read them back.

Usage:
  metricstream [serve] [PORT] [flags]   run a node (default command; PORT as in the seed)
  metricstream export [flags]           write a running node's series as JSON lines to stdout
  metricstream query '<promql>' [flags] run a PromQL query on a running node and print a table
  metricstream bench [flags]            load-test a running node: requests/s, samples/s, latency percentiles
  metricstream config-docs              print docs/configuration.md (every configuration key)
  metricstream help [COMMAND]           this text, or a command's flags

Global flags:
  -h, --help       show help
  --version        print the version

Run 'metricstream serve --help' for every server flag.`;

export function serveHelp(): string {
  const rows = OPTION_KEYS.filter((k) => !OPTIONS[k].fileOnly).map((k) => {
    const spec = OPTIONS[k];
    const left = spec.kind === 'boolean' ? `  --${flagName(k)}` : `  --${flagName(k)} <${spec.kind}>`;
    return `${left.padEnd(40)}${wrap(`${spec.help} (default ${formatDefault(k)}; env ${envName(k)})`, 40)}`;
  });
  return `Usage: metricstream serve [PORT] [flags]

Runs a MetricStream node: HTTP ingest (POST /metrics, POST /api/v1/import), read APIs
(GET /api/v1/export), stats (GET /metrics), health (/health, /ready).

Flags (precedence: flag > environment variable > config file > default):
  --config <path>                       YAML config file; keys are the flag names with _ (e.g. data_dir) (env METRICSTREAM_CONFIG)
${rows.join('\n')}
  -h, --help                            show this help

Config-file-only keys: ${OPTION_KEYS.filter((k) => OPTIONS[k].fileOnly).join(', ')} (see docs/configuration.md).`;
}

export const EXPORT_HELP = `Usage: metricstream export [flags]

Streams series from a running node's GET /api/v1/export to stdout, one JSON line per series:
{"metric":{"__name__":...},"values":[...],"timestamps":[...]} (timestamps in ms). Load it back
with POST /api/v1/import.

Flags:
  --url <url>          node to read from (default http://127.0.0.1:8080; env METRICSTREAM_URL)
  --match <selector>   series selector, e.g. 'cpu_usage{host="server1"}'; repeat for several (default: every series)
  --start <time>       RFC 3339 or unix seconds (default: the oldest sample)
  --end <time>         RFC 3339 or unix seconds (default: the newest sample)
  --authorization <v>  Authorization header to send (env METRICSTREAM_AUTHORIZATION)
  -h, --help           show this help`;

export const QUERY_HELP = `Usage: metricstream query '<promql>' [flags]

Runs a PromQL query on a running node (its /api/v1/query or /api/v1/query_range) and prints
one row per sample: series, time (RFC 3339), value.

Flags:
  --url <url>          node to ask (default http://127.0.0.1:8080; env METRICSTREAM_URL)
  --time <time>        instant query at this time: RFC 3339 or unix seconds (default: now)
  --start <time>       range query start (with --end and --step)
  --end <time>         range query end
  --step <duration>    range query step, e.g. 15s or 60
  --json               print the API's JSON answer instead of a table
  --authorization <v>  Authorization header to send (env METRICSTREAM_AUTHORIZATION)
  -h, --help           show this help`;

/** `metricstream bench --help`, generated from the bench command's flag table. */
export function benchHelp(): string {
  const rows = BENCH_FLAGS.map((f) => {
    const left = `  --${f.name}${f.arg === null ? '' : ` <${f.arg}>`}`;
    // A flag too long for the column gets its help on the next line.
    const lead = left.length < 25 ? left.padEnd(26) : `${left}\n${' '.repeat(26)}`;
    return `${lead}${wrap(`${f.help}${f.default === undefined ? '' : ` (default ${f.default})`}`, 26)}`;
  });
  return `Usage: metricstream bench [flags]

Load-tests a running node (the seed's load test): pre-encoded requests over keep-alive
connections, closed loop or at a constant rate; then requests/s, samples/s (2xx answers only),
latency percentiles (p50, p90, p99, p99.9, max, from an HDR histogram) and the count of each
status code. StatsD (--protocol statsd over UDP, statsd-tcp over TCP) has no answers: its report
gives the lines sent, the lines the node counted and the loss. A progress line goes to stderr
when it is a terminal (or with --progress).

Flags:
${rows.join('\n')}
  -h, --help              show this help

Examples:
  metricstream bench --target http://127.0.0.1:8080 --connections 64 --duration 15s
  metricstream bench --protocol import --batch 1000 --series 10000 --connections 8 --json
  metricstream bench --clients 10000 --interval 10s --duration 1m   # 10,000 agents, one push each per 10 s
  metricstream bench --protocol statsd --batch 20 --series 1000 --rate 20000   # UDP to the target's host:8125`;
}

/** docs/configuration.md, generated from the schema. */
export function configDocs(): string {
  const rows = OPTION_KEYS.map((k) => {
    const spec = OPTIONS[k];
    const flag = spec.fileOnly ? '(file only)' : `\`--${flagName(k)}\``;
    const env = spec.fileOnly ? '' : `\`${envName(k)}\``;
    return `| \`${k}\` | ${flag} | ${env} | ${spec.kind} | \`${formatDefault(k)}\` | ${spec.help.replaceAll('|', '\\|')} |`;
  });
  const scrapeRows = SCRAPE_KEY_DOCS.map((d) => `| \`${d.key}\` | ${d.type} | \`${d.default}\` | ${d.help.replaceAll('|', '\\|')} |`);
  return `# Configuration

Generated from the one schema (\`src/config/schema.ts\`) by \`npm run docs:config\`; do not edit by hand.

Every key can be set in the YAML file given with \`--config\` (or \`METRICSTREAM_CONFIG\`), as an
environment variable, or as a flag; precedence is flag > environment > file > default. Durations
are written like \`10s\`, \`1h30m\`, \`15d\`, \`100y\` (\`0\` where allowed means off/forever); sizes
like \`10MiB\`, \`512KB\` or a number of bytes. Unknown keys in the file and invalid values are
refused at start with a message naming the key and its source.

The port may also be given as the first argument (\`metricstream 8081\`), as in the seed.

| key (YAML) | flag | environment | type | default | meaning |
|---|---|---|---|---|---|
${rows.join('\n')}

## Example file

\`\`\`yaml
port: 8080
data_dir: /var/lib/metricstream
wal_fsync: always
retention: 90d
rate_limit: 1000
rate_limit_clients:
  batch-loader: 5000   # this client may send 5000 requests per window
  internal-probe: 0    # no limit for this client
\`\`\`

## Scraping keys

\`global\` and \`scrape_configs\` are a subset of Prometheus's configuration with Prometheus's
defaults and meaning (relabeling, \`__address__\` → \`instance\`, \`__meta_*\` labels dropped after
relabeling, \`__scheme__\`, \`__metrics_path__\`, \`__param_<name>\`, \`__scrape_interval__\`,
\`__scrape_timeout__\`). Keys not listed here are refused. \`…relabel_configs\` stands for both
\`relabel_configs\` (targets) and \`metric_relabel_configs\` (scraped series). The scrape jobs are
read again on SIGHUP and, with \`--enable-admin-api\`, on \`POST /-/reload\`.

| key | type | default | meaning |
|---|---|---|---|
${scrapeRows.join('\n')}

\`\`\`yaml
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: ["127.0.0.1:9100"]
        labels: {env: prod}
    metric_relabel_configs:
      - {action: drop, source_labels: [__name__], regex: "node_scrape_collector_.*"}
  - job_name: apps
    file_sd_configs:
      - files: ["/etc/metricstream/targets/*.json"]
    relabel_configs:
      - {source_labels: [__address__], regex: "([^:]+):.*", target_label: host}
\`\`\`
`;
}
