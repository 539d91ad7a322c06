// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { describeFilter, matchSocket, parseFilter, tokenize } from '../../../src/shared/filter.js';
import { listener, proc, sock } from './fixtures.js';

const web = sock({ localPort: 51000, remoteAddress: '142.250.74.46', remotePort: 443, pid: 311, process: proc(311, 'firefox', { user: 'ada', cmdline: '/usr/lib/firefox/firefox --private-window' }) });
const api = listener(3000, '0.0.0.0', 520, 'node');
const dns = listener(53, '127.0.0.53', 655, 'systemd-resolve', 'udp');
const v6 = sock({ family: 6, localAddress: '::1', localPort: 3000, remoteAddress: '::1', remotePort: 52000, pid: 520, process: proc(520, 'node') });
const orphan = sock({ state: 'TIME_WAIT', pid: null, process: null, inode: 0, localPort: 52001, remotePort: 8080 });
const all = [web, api, dns, v6, orphan];

const matching = (text: string) => all.filter((s) => matchSocket(parseFilter(text), s));

describe('filter language', () => {
  it('matches everything when empty or blank', () => {
    expect(matching('')).toEqual(all);
    expect(matching('   ')).toEqual(all);
  });

  it('free text searches address, port, process, state, user and command line, case-insensitively', () => {
    expect(matching('142.250')).toEqual([web]);
    expect(matching('FireFox')).toEqual([web]);
    expect(matching('private-window')).toEqual([web]);
    expect(matching('time_wait')).toEqual([orphan]);
    expect(matching('systemd')).toEqual([dns]);
    expect(matching(':443')).toEqual([web]);
    expect(matching('ada')).toEqual(all.filter((s) => s.process?.user === 'ada'));
  });

  it('port: matches the local or the remote port, and ranges', () => {
    expect(matching('port:3000')).toEqual([api, v6]);
    expect(matching('port:443')).toEqual([web]);
    expect(matching('port:52000')).toEqual([v6]);
    expect(matching('port:50-60')).toEqual([dns]);
  });

  it('pid: is the owning process id, exactly', () => {
    expect(matching('pid:520')).toEqual([api, v6]);
    expect(matching('pid:52')).toEqual([]);
  });

  it('proc: searches the process name only', () => {
    expect(matching('proc:node')).toEqual([api, v6]);
    expect(matching('proc:NODE')).toEqual([api, v6]);
    expect(matching('proc:private')).toEqual([]);
  });

  it('state: is case-insensitive, takes prefixes, and listen includes bound UDP', () => {
    expect(matching('state:established')).toEqual([web, v6]);
    expect(matching('state:EST')).toEqual([web, v6]);
    expect(matching('state:time_wait')).toEqual([orphan]);
    expect(matching('state:timewait')).toEqual([orphan]);
    expect(matching('state:listen')).toEqual([api, dns]);
    expect(matching('state:listening')).toEqual([api, dns]);
    expect(matching('state:unconn')).toEqual([dns]);
    // The table says BOUND for UNCONN: what it shows is what finds it.
    expect(matching('state:bound')).toEqual([dns]);
    expect(matching('bound')).toEqual([dns]);
  });

  it('proto: takes a protocol, a protocol and family, or a family', () => {
    expect(matching('proto:udp')).toEqual([dns]);
    expect(matching('proto:tcp6')).toEqual([v6]);
    expect(matching('proto:TCP4')).toEqual([web, api, orphan]);
    expect(matching('proto:6')).toEqual([v6]);
  });

  it('ANDs terms together, typed or free', () => {
    expect(matching('proc:node port:3000 proto:tcp4')).toEqual([api]);
    expect(matching('node state:listen')).toEqual([api]);
    expect(matching('port:3000 pid:311')).toEqual([]);
  });

  it('negates a term with a leading minus', () => {
    expect(matching('-proc:node')).toEqual([web, dns, orphan]);
    expect(matching('port:3000 -proto:tcp6')).toEqual([api]);
    expect(matching('-firefox -state:time_wait')).toEqual([api, dns, v6]);
  });

  it('treats bad terms as free text rather than dropping them', () => {
    expect(parseFilter('port:abc').terms).toEqual([{ kind: 'text', text: 'port:abc', negate: false }]);
    expect(parseFilter('port:70000').terms[0]?.kind).toBe('text');
    expect(parseFilter('pid:x1').terms[0]?.kind).toBe('text');
    expect(parseFilter('proto:sctp').terms[0]?.kind).toBe('text');
    expect(parseFilter('colour:red').terms[0]).toEqual({ kind: 'text', text: 'colour:red', negate: false });
    // Free text "port:abc" matches nothing here, so the table says no match instead of showing all.
    expect(matching('port:abc')).toEqual([]);
    // An address with a port is free text that works.
    expect(matching('127.0.0.53:53')).toEqual([dns]);
  });

  it('ignores a key with no value yet, while the user is still typing', () => {
    expect(parseFilter('port:').terms).toEqual([]);
    expect(matching('proc:node port:')).toEqual([api, v6]);
  });

  it('keeps quoted text together', () => {
    expect(tokenize('"private window" proc:firefox')).toEqual(['"private window"', 'proc:firefox']);
    expect(matching('"--private-window"')).toEqual([web]);
    expect(matching('"firefox --private"')).toEqual([web]);
  });

  it('reads back in words', () => {
    expect(describeFilter(parseFilter('port:3000 proc:node -proto:udp x'))).toBe('port 3000 · process “node” · not udp · “x”');
  });
});
