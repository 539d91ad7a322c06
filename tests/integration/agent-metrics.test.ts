// `portwatch agent --metrics` scraped by a real Prometheus (Debian's, on loopback, its storage in a
// temp folder): a listener a test process opened shows up in a PromQL query with its port, process
// and exposure; the exposition passes promtool; the shipped rules, scrape config and dashboard
// validate against the real thing; alerts stream as NDJSON into a file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHolder, stopAll, stopChild, type Holder } from '../helpers/children.js';
import { runCli } from '../helpers/cli.js';
import { reservePort } from '../helpers/ports.js';
import { WAIT } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'portwatch.js');
const deploy = join(root, 'docs', 'deploy');
const children = new Set<ChildProcess>();
const dir = mkdtempSync(join(tmpdir(), 'portwatch-agent-metrics-'));

let holder: Holder;
let agent: ChildProcess;
let metricsUrl: string;
let listenerPort: number;
const alertFile = join(dir, 'alerts.ndjson');

beforeAll(async () => {
  // bin/portwatch.js runs the compiled CLI, which tests/global-setup.ts built from this source before
  // any file ran (building it here would rewrite files other test files are running).
  holder = await startHolder([{ name: 'web', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-metrics-web');
  listenerPort = holder.endpoints.web!.port;
  agent = spawn(process.execPath, [bin, 'agent', '--metrics', '127.0.0.1:0', '--interval', '250', '--learn', '0', '--alerts-ndjson', alertFile, '--no-socket', '--data-dir', join(dir, 'data')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(agent);
  const lines = readline.createInterface({ input: agent.stderr! });
  metricsUrl = await new Promise<string>((resolve, reject) => {
    const seen: string[] = [];
    lines.on('line', (line) => {
      seen.push(line);
      const m = /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)$/.exec(line);
      if (m) resolve(m[1]!);
    });
    agent.once('exit', (code) => reject(new Error(`agent exited (${code}): ${seen.join(' | ')}`)));
  });
});

afterAll(async () => {
  await Promise.all([...children].map(stopChild));
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** Retries until check returns a value (not undefined); no fixed sleeps, a deadline instead. */
async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = WAIT.timeout): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync('/usr/bin/promtool', args, { input, encoding: 'utf8', cwd: join(deploy, 'prometheus') });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('portwatch agent --metrics', () => {
  it('exposes the listener a test process opened, with bounded labels, in a format promtool accepts', async () => {
    const line = `portwatch_listening_ports{port="${listenerPort}",protocol="tcp",process="pw-metrics-web",exposure="loopback"} 1`;
    const text = await waitFor('the listener in /metrics', async () => {
      const t = await scrape();
      return t.includes(line) ? t : undefined;
    });
    expect(text).toMatch(/^portwatch_engine_info\{host="agent",rights="(root|capabilities|user)",source="[\w-]+",version="[\w.-]+"\} 1$/m);
    expect(text).toMatch(/^portwatch_sockets\{protocol="tcp",state="LISTEN"\} \d+$/m);
    expect(text).toMatch(/^portwatch_poll_duration_seconds_count \d+$/m);
    expect(text).toMatch(/^portwatch_conflicts\{kind="shared-port"\} \d+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    // Interface bytes by name, loopback included (the kernel's counters: never 0 on a running machine).
    await waitFor('lo in /metrics', async () => (/^portwatch_interface_bytes_total\{interface="lo",direction="received"\} [1-9]/m.test(await scrape()) ? true : undefined));
    // No pid, address or command line in any portwatch label.
    const labels = [...text.matchAll(/^portwatch_\w+\{([^}]*)\}/gm)].map((m) => m[1]!);
    expect(labels.length).toBeGreaterThan(10);
    for (const set of labels) {
      const names = [...set.matchAll(/(\w+)="/g)].map((m) => m[1]);
      for (const n of names) expect(['host', 'rights', 'source', 'version', 'protocol', 'state', 'port', 'process', 'interface', 'exposure', 'kind', 'severity', 'direction', 'le']).toContain(n);
      expect(set).not.toContain(String(holder.pid));
      expect(set).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
    }

    // Our own families pass promtool's lint untouched; prom-client's process defaults name three
    // gauges *_total, which promtool flags, and nothing else.
    const ours = text.split('\n').filter((l) => /^(# (HELP|TYPE) )?portwatch_/.test(l)).join('\n') + '\n';
    const own = promtool(['check', 'metrics'], ours);
    expect(own.output).toBe('');
    expect(own.status).toBe(0);
    const all = promtool(['check', 'metrics'], text);
    for (const problem of all.output.split('\n').filter(Boolean)) expect(problem).toMatch(/^nodejs_active_\w+_total non-counter metrics should not have "_total" suffix$/);
  });

  it('refuses the GET of anything but /metrics, and any other method', async () => {
    const base = metricsUrl.replace(/\/metrics$/, '');
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/metrics/../x`)).status).toBe(404);
    expect((await fetch(metricsUrl, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('is scraped by a real Prometheus: a query returns the listener with its port label, and every dashboard query runs', async () => {
    const promDir = mkdtempSync(join(dir, 'prometheus-'));
    const target = new URL(metricsUrl).host;
    writeFileSync(
      join(promDir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - ${join(deploy, 'prometheus', 'portwatch-alerts.yml')}\nscrape_configs:\n  - job_name: portwatch\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    // Prometheus takes its port from the command line: a reserved one, which nothing else can take
    // meanwhile (Go listens with SO_REUSEADDR, as the reservation allows).
    const port = await reservePort();
    const prom = spawn(
      '/usr/bin/prometheus',
      [`--config.file=${join(promDir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(promDir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.add(prom);
    let stderr = '';
    prom.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<'exited'>((resolve) => prom.once('exit', () => resolve('exited')));
    const ready = waitFor('Prometheus ready', async () => ((await fetch(`http://127.0.0.1:${port}/-/ready`)).ok ? 'ready' : undefined));
    expect(await Promise.race([ready, exited]), stderr).toBe('ready');
    const base = `http://127.0.0.1:${port}`;

    type Result = { status: string; data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } };
    const query = async (q: string): Promise<Result> => (await (await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as Result;
    const series = await waitFor('the listener in Prometheus', async () => {
      const r = await query(`portwatch_listening_ports{job="portwatch",port="${listenerPort}"}`);
      return r.data.result.length > 0 ? r.data.result : undefined;
    });
    expect(series).toHaveLength(1);
    expect(series[0]!.metric).toMatchObject({ port: String(listenerPort), protocol: 'tcp', process: 'pw-metrics-web', exposure: 'loopback', instance: target });
    expect(series[0]!.value[1]).toBe('1');

    // The shipped rules loaded and evaluate (the agent is up, so PortwatchAgentDown is not firing).
    const rules = (await (await fetch(`${base}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> } };
    const loaded = rules.data.groups.flatMap((g) => g.rules);
    expect(loaded.map((r) => r.name).sort()).toEqual(['PortwatchAgentDown', 'PortwatchHighAlert', 'PortwatchNewAllInterfacesListener', 'PortwatchPollsFailing', 'PortwatchPortConflict']);
    await waitFor('the rules evaluated', async () => (loaded.length > 0 && (await fetch(`${base}/api/v1/rules`).then((r) => r.json() as Promise<typeof rules>)).data.groups.flatMap((g) => g.rules).every((r) => r.health === 'ok') ? true : undefined));

    // Every query of the dashboard is valid PromQL on this server, and those over portwatch metrics find data.
    const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana', 'portwatch-dashboard.json'), 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const q = expr.replaceAll('$instance', '.*').replaceAll('$__rate_interval', '1m');
        const r = await query(q);
        expect(r.status, `${panel.title}: ${q}`).toBe('success');
      }
    }
    const listed = await query(dashboard.panels.find((p) => p.title === 'Listening ports')!.targets[0]!.expr.replaceAll('$instance', '.*'));
    expect(listed.data.result.some((s) => s.metric.port === String(listenerPort))).toBe(true);
  });

  it('streams alerts as NDJSON to a private file, counted in portwatch_alerts_raised_total', async () => {
    const lines = await waitFor('an alert line', async () => {
      if (!existsSync(alertFile)) return undefined;
      const text = readFileSync(alertFile, 'utf8');
      return text.endsWith('\n') && text.length > 0 ? text.trim().split('\n') : undefined;
    });
    expect(statSync(alertFile).mode & 0o777).toBe(0o600);
    const text = await scrape();
    for (const line of lines) {
      const alert = JSON.parse(line) as { type: string; time: string; id: string; kind: string; severity: string; message: string };
      expect(alert.type).toBe('alert');
      expect(new Date(alert.time).toISOString()).toBe(alert.time);
      const m = new RegExp(`^portwatch_alerts_raised_total\\{kind="${alert.kind}",severity="${alert.severity}"\\} (\\d+)$`, 'm').exec(text);
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('the shipped Prometheus files', () => {
  it('pass promtool check config, check rules, and the rules unit tests', () => {
    for (const args of [
      ['check', 'config', 'prometheus.yml'],
      ['check', 'rules', 'portwatch-alerts.yml'],
      ['test', 'rules', 'portwatch-alerts.test.yml'],
    ]) {
      const r = promtool(args);
      expect(r.output).toMatch(/SUCCESS/);
      expect(r.status, `${args.join(' ')}: ${r.output}`).toBe(0);
    }
  });
});

describe('--metrics on the command line', () => {
  it('refuses an address that is not HOST:PORT as a usage error, in one line', async () => {
    for (const bad of ['localhost:99999', 'example.com:9464', '9464x']) {
      const { code, stderr } = await runCli(['agent', '--no-alerts', '--metrics', bad]);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/is not HOST:PORT/);
    }
  });

  it('says in one line that the metrics port is taken, and exits 1', async () => {
    const busy = await startHolder([{ name: 'busy', kind: 'tcp-listen', host: '127.0.0.1' }], 'pw-busy-port');
    const port = busy.endpoints.busy!.port;
    const { code, stderr } = await runCli(['agent', '--no-alerts', '--metrics', `127.0.0.1:${port}`]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(`cannot serve metrics on 127.0.0.1:${port}: the port is already in use`);
    await busy.exit();
  });

  it('never writes alerts through a symbolic link, and says so in one line', async () => {
    const target = join(dir, 'victim.txt');
    writeFileSync(target, 'keep me\n');
    const link = join(dir, 'link.ndjson');
    symlinkSync(target, link);
    const { code, stderr } = await runCli(['agent', '--alerts-ndjson', link, '--data-dir', join(dir, 'data-link')]);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain('is a symbolic link');
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });
});
