// The label/value pairs of the detail panels and dialogs (inside a <dl>).
import type { ReactNode } from 'react';

export function Field({ label, children, mono = false }: { label: string; children: ReactNode; mono?: boolean }) {
  return (
    <>
      <dt>{label}</dt>
      <dd className={mono ? 'mono' : undefined}>{children}</dd>
    </>
  );
}

/** A missing value. */
export const none = <span className="dim">—</span>;
