// A port nothing listens on right now: the kernel's pick, closed again. (Another process may take it
// later; tests use it for a port they then watch or bind themselves, never assume it stays free.)
import { createServer } from 'node:net';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
