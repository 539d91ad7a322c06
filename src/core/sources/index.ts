import { LinuxProcSource } from './linux-proc.js';
import type { SocketSource } from './source.js';
import { SystemInformationSource } from './systeminformation.js';

/** The fastest source this OS offers: /proc on Linux, systeminformation elsewhere. */
export function createSource(platform: NodeJS.Platform = process.platform): SocketSource {
  return platform === 'linux' ? new LinuxProcSource() : new SystemInformationSource();
}
