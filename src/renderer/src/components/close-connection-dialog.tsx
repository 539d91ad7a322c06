// "Close connection…" (TCPView's): says which connection and which process, then asks the engine to
// abort it (SOCK_DESTROY). The process keeps running; both ends see a reset. The engine's answer — or
// its refusal (not shown, Portwatch's own, no CAP_NET_ADMIN) — is said in the dialog in its words.
import type { CloseConnectionResult } from '../../../shared/close-connection.js';
import { closeRequestFor } from '../../../shared/close-connection.js';
import type { Socket } from '../../../shared/model.js';
import { formatEndpoint } from '../../../shared/model.js';
import { useStore } from '../hooks.js';
import { ConfirmDialog, useConfirmAction } from './confirm-dialog.js';
import { Field } from './fields.js';

export function CloseConnectionDialog({ socket, onClose }: { socket: Socket; onClose: () => void }) {
  const store = useStore();
  const [phase, run] = useConfirmAction<CloseConnectionResult>();
  const request = closeRequestFor(socket);
  const p = socket.process;
  return (
    <ConfirmDialog
      className="close-dialog"
      icon="⨯"
      title="Close this connection?"
      subtitle={<>The kernel aborts it: both ends see a reset, and {p ? p.name : 'the process'} keeps running. It may connect again.</>}
      phase={phase}
      outcome={(r) => ({ tone: r.outcome === 'closed' ? 'ok' : r.outcome === 'not-found' ? 'info' : 'error', content: <strong>{r.message}</strong> })}
      action={{ label: 'Close connection', busyLabel: 'Closing…', enabled: true, onAct: () => void run(() => store.api.closeConnection(request)) }}
      onClose={onClose}
    >
      <dl className="end-facts">
        <Field label="Connection">
          <span className="mono">
            {socket.protocol.toUpperCase()} {formatEndpoint(socket.localAddress, socket.localPort)} → {formatEndpoint(socket.remoteAddress, socket.remotePort)}
          </span>
        </Field>
        <Field label="State">{socket.state}</Field>
        <Field label="Process">
          {p ? (
            <>
              <strong>{p.name}</strong> <span className="dim">pid {socket.pid}{p.user ? ` · ${p.user}` : ''}</span>
            </>
          ) : (
            <span className="dim">unknown</span>
          )}
        </Field>
        {p?.cmdline ? (
          <Field label="Command line">
            <code className="cmdline">{p.cmdline}</code>
          </Field>
        ) : null}
      </dl>
    </ConfirmDialog>
  );
}
