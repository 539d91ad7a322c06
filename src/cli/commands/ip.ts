// `portwatch ip ADDRESS`: what one address is — its scope, its host name (reverse DNS), and for a
// public address the country and network that own it (offline databases, no network).
import type { Command } from 'commander';
import { addressRange } from '../../shared/address.js';
import type { AddressExplanation } from '../../shared/names.js';
import { NO_ADDRESS_NAMES } from '../../shared/names.js';
import { json, type CommandContext } from '../context.js';
import { formatAddress } from '../format.js';
import { addNameOptions, lookupNames, type NameOptions } from '../names.js';
import { parseAddress } from '../parse.js';

export function registerIp(program: Command, { io }: CommandContext): void {
  addNameOptions(
    program
      .command('ip')
      .description('explain one address: scope, host name, country and owner (AS number and organisation)')
      .argument('<address>', 'an IPv4 or IPv6 address', parseAddress)
      .option('--json', 'one JSON object: { address, scope, host, unconfirmedHost, country, asn, org }'),
  ).action(async (address: string, opts: NameOptions & { json?: boolean }) => {
    const { names, unconfirmed, problems } = await lookupNames([address], opts);
    const explained: AddressExplanation = { address, scope: addressRange(address), ...(names.get(address) ?? NO_ADDRESS_NAMES), unconfirmedHost: unconfirmed.get(address) ?? null };
    for (const problem of problems) io.err(`portwatch: ${problem}\n`);
    io.out(opts.json ? json(explained) + '\n' : formatAddress(explained));
  });
}
