// The IANA port ranges (RFC 6335 §6): what a port number says about who usually holds it.

export type PortClass = 'well-known' | 'registered' | 'dynamic';

export const PORT_CLASSES: readonly PortClass[] = ['well-known', 'registered', 'dynamic'];

/** 0–1023 well-known (system) ports, 1024–49151 registered (user) ports, 49152–65535 dynamic (private, ephemeral). */
export function portClass(port: number): PortClass {
  if (port < 1024) return 'well-known';
  if (port < 49152) return 'registered';
  return 'dynamic';
}

/** The class in words, for a tooltip: "well-known port (0–1023)". */
export function describePortClass(cls: PortClass): string {
  switch (cls) {
    case 'well-known':
      return 'well-known port (0–1023)';
    case 'registered':
      return 'registered port (1024–49151)';
    case 'dynamic':
      return 'dynamic/ephemeral port (49152–65535)';
  }
}
