// The service files shipped in docs/deploy: the systemd unit passes systemd-analyze verify and grants
// exactly the capabilities measured in agent-capabilities.test.ts; the launchd plist is a valid
// property list; both run `portwatch agent` with options the command accepts.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const deploy = join(root, 'docs', 'deploy');
const dir = mkdtempSync(join(tmpdir(), 'portwatch-deploy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses argv as `portwatch` would, without running the command: the options it was given, or the usage error. */
function parseAgentArgs(argv: string[]): Record<string, unknown> | string {
  let errors = '';
  const program = buildProgram({ out: () => {}, err: (t) => (errors += t) }, () => {});
  const agent = program.commands.find((c) => c.name() === 'agent')!;
  let parsed: Record<string, unknown> = {};
  agent.action((opts: Record<string, unknown>) => {
    parsed = opts;
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    return `${(e as Error).message} ${errors}`;
  }
  return parsed;
}

describe('the systemd unit', () => {
  const unit = readFileSync(join(deploy, 'systemd', 'portwatch-agent.service'), 'utf8');

  it('passes systemd-analyze verify (ExecStart pointed at this checkout)', () => {
    const copy = join(dir, 'portwatch-agent.service');
    writeFileSync(copy, unit.replace(/^ExecStart=\/usr\/bin\/portwatch /m, `ExecStart=${join(root, 'bin', 'portwatch.js')} `));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toBe('');
    expect(r.status).toBe(0);
  });

  it('grants the two capabilities that suffice, and bounds the service to them', () => {
    expect(unit).toMatch(/^AmbientCapabilities=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_DAC_READ_SEARCH CAP_SYS_PTRACE$/m);
    expect(unit).toMatch(/^User=portwatch$/m);
    expect(unit).toMatch(/^NoNewPrivileges=yes$/m);
  });

  it('runs portwatch agent with options it accepts', () => {
    const exec = /^ExecStart=\/usr\/bin\/portwatch (.*)$/m.exec(unit)![1]!.split(' ');
    expect(parseAgentArgs(exec)).toMatchObject({ socket: '/run/portwatch/agent.sock', group: 'portwatch', groupAccess: 'read-only', metrics: { host: '127.0.0.1', port: 9464 } });
  });
});

describe('the launchd plist', () => {
  it('is a valid property list that runs portwatch agent as root with options it accepts', () => {
    const r = spawnSync('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', join(deploy, 'launchd', 'org.portwatch.agent.plist')], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const plist = JSON.parse(r.stdout) as { Label: string; UserName: string; ProgramArguments: string[] };
    expect(plist.Label).toBe('org.portwatch.agent');
    expect(plist.UserName).toBe('root');
    expect(plist.ProgramArguments[0]).toMatch(/\/portwatch$/);
    expect(parseAgentArgs(plist.ProgramArguments.slice(1))).toMatchObject({ socket: '/var/run/portwatch/agent.sock', group: 'admin', metrics: { host: '127.0.0.1', port: 9464 } });
  });

  it('is refused by the parser when an option is wrong (the check above can fail)', () => {
    expect(parseAgentArgs(['agent', '--group-access', 'everything'])).toMatch(/everything/);
  });
});
