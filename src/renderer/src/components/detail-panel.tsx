// Everything known about the selected socket and its process. A socket that closes while selected
// stays on show (marked closed) so the user can still read what it was. A TCP connection can be
// closed from here as from its row menu (TCPView's Close Connection), through the same dialog.
import { useContext } from 'react';
import { addressScope } from '../../../shared/address.js';
import { whyNotClosable } from '../../../shared/close-connection.js';
import type { Socket } from '../../../shared/model.js';
import { stateLabel } from '../../../shared/model.js';
import { formatDateTime, protoLabel, readAge } from '../format.js';
import { useNow } from '../hooks.js';
import type { RowFlag } from '../store.js';
import { ExposureBadge } from './badges.js';
import { WatchStartContext } from './age.js';
import { Field, none } from './fields.js';
import { EndpointFields } from './names.js';

export interface DetailPanelProps {
  socket: Socket;
  /** The row's highlight; 'gone' once the row has left the table. */
  flag: RowFlag | 'gone';
  onClose: () => void;
  /** Opens the Close connection dialog for it (the row menu's action); absent: no button. */
  onCloseConnection?: (s: Socket) => void;
}

/** Shown only while a row is selected: with nothing selected the table takes the whole width. */
export function DetailPanel({ socket, flag, onClose, onCloseConnection }: DetailPanelProps) {
  const now = useNow();
  const age = readAge(socket, now, useContext(WatchStartContext));
  const p = socket.process;
  const closed = flag === 'closing' || flag === 'gone';
  // Offered for every TCP connection, greyed with the reason when it cannot be closed (as TCPView's).
  const connection = onCloseConnection !== undefined && socket.protocol === 'tcp' && !socket.listening;
  const whyNot = closed ? 'the connection has closed' : whyNotClosable(socket, null);
  return (
    <aside className="detail" aria-label="Details">
      <header className="detail-head">
        <div className="detail-title">
          <h2>{p?.name ?? (socket.pid === null ? 'Unknown process' : `pid ${socket.pid}`)}</h2>
          {closed && <span className="pill closed">closed</span>}
          {flag === 'new' && <span className="pill new">new</span>}
        </div>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close details" title="Close details">
          ×
        </button>
      </header>
      {connection && (
        <div className="detail-actions">
          <button
            type="button"
            className="button small danger-outline"
            disabled={whyNot !== null}
            title={whyNot === null ? 'Abort this connection: both ends see a reset, the process keeps running' : `Cannot close: ${whyNot}`}
            onClick={() => onCloseConnection(socket)}
          >
            Close connection…
          </button>
          {whyNot !== null && <span className="dim">{whyNot}</span>}
        </div>
      )}
      <section>
        <h3>Process</h3>
        <dl>
          <Field label="Name">{p?.name ?? none}</Field>
          <Field label="PID" mono>
            {socket.pid ?? none}
          </Field>
          <Field label="Executable" mono>
            {p?.exe ?? none}
          </Field>
          <Field label="Command line" mono>
            {p?.cmdline ? <span className="cmdline">{p.cmdline}</span> : none}
          </Field>
          <Field label="User">
            {p?.user ?? none}
            {p?.uid != null && <span className="dim"> (uid {p.uid})</span>}
          </Field>
          <Field label="Parent PID" mono>
            {p?.ppid ?? none}
          </Field>
          <Field label="Started at">{p?.startedAt != null ? formatDateTime(p.startedAt) : none}</Field>
        </dl>
        {socket.pid === null && (
          <p className="hint">
            {socket.inode === 0
              ? 'No process owns this socket any more (the kernel keeps it while the connection winds down).'
              : 'The OS did not say which process owns this socket: it may belong to another user.'}
          </p>
        )}
      </section>
      <section>
        <h3>Socket</h3>
        <dl>
          <Field label="Protocol">{protoLabel(socket)}</Field>
          <EndpointFields s={socket} />
          <Field label="State">
            {stateLabel(socket)}
            {socket.state === 'UNCONN' && <span className="dim"> (UNCONN: a UDP socket bound to the port, with no peer)</span>}
          </Field>
          {socket.listening && (
            <Field label="Exposure">
              <ExposureBadge address={socket.localAddress} scope={addressScope(socket.localAddress)} />
            </Field>
          )}
          <Field label="First seen">
            {age.exact ? (
              <>
                {formatDateTime(socket.firstSeen)} <span className="dim">({age.text} ago)</span>
              </>
            ) : (
              <>
                when Portwatch started, {formatDateTime(socket.firstSeen)} <span className="dim">(already open then: {age.known})</span>
              </>
            )}
          </Field>
          <Field label="Inode" mono>
            {socket.inode ?? none}
          </Field>
          <Field label="Id" mono>
            <span className="socket-id">{socket.id}</span>
          </Field>
        </dl>
      </section>
    </aside>
  );
}
