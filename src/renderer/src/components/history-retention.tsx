// How much history is kept (days, megabytes), shown beside the History view's totals and set there:
// the engine saves it in settings.json and removes at once what it no longer keeps. The same rule
// (shared/history.ts) checks the numbers here as a hint and in the engine as the law.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { HistoryRetention } from '../../../shared/history.js';
import { historyRetentionSchema, MAX_HISTORY_DAYS, MAX_HISTORY_MEGABYTES } from '../../../shared/history.js';
import { errorText } from '../errors.js';
import { useStore } from '../hooks.js';

/** "30 days · 200 MB". */
export function retentionLabel(r: HistoryRetention): string {
  return `${r.maxAgeDays} day${r.maxAgeDays === 1 ? '' : 's'} · ${r.maxMegabytes} MB`;
}

/** onChanged: after a new retention is saved (what is kept may have shrunk). */
export function HistoryRetentionControl({ onChanged }: { onChanged: () => void }) {
  const store = useStore();
  const formId = useId();
  const [retention, setRetention] = useState<HistoryRetention | null>(null);
  const [open, setOpen] = useState(false);
  const [days, setDays] = useState('');
  const [megabytes, setMegabytes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    store.api.getHistoryRetention().then(
      (r) => live && setRetention(r),
      () => {}, // a host that keeps no history: the view says so already
    );
    return () => {
      live = false;
    };
  }, [store]);

  if (retention === null) return null;

  function edit() {
    setDays(String(retention!.maxAgeDays));
    setMegabytes(String(retention!.maxMegabytes));
    setError(null);
    setOpen(true);
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    const whole = (text: string) => (/^\d{1,9}$/.test(text.trim()) ? Number(text.trim()) : NaN);
    const parsed = historyRetentionSchema.safeParse({ maxAgeDays: whole(days), maxMegabytes: whole(megabytes) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setError(issue?.code === 'invalid_type' ? 'Days and megabytes are whole numbers' : (issue?.message ?? 'Not a retention'));
      return;
    }
    setSaving(true);
    try {
      setRetention(await store.api.setHistoryRetention(parsed.data));
      setOpen(false);
      onChanged();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setSaving(false);
    }
  }

  return (
    <span className="history-retention">
      <button type="button" className="link-button" aria-expanded={open} aria-controls={open ? formId : undefined} onClick={() => (open ? setOpen(false) : edit())} title="How much history is kept: older entries, and the oldest past the size, are removed">
        Keeps {retentionLabel(retention)}
      </button>
      {open && (
        <form id={formId} className="retention-form" aria-label="History retention" noValidate onSubmit={(e) => void save(e)} onKeyDown={(e) => e.key === 'Escape' && setOpen(false)}>
          <label>
            Keep{' '}
            <input type="number" inputMode="numeric" min={1} max={MAX_HISTORY_DAYS} step={1} aria-label="Days to keep" aria-invalid={error !== null} value={days} onChange={(e) => setDays(e.target.value)} autoFocus />{' '}
            days,
          </label>
          <label>
            at most{' '}
            <input type="number" inputMode="numeric" min={1} max={MAX_HISTORY_MEGABYTES} step={1} aria-label="Megabytes to keep" aria-invalid={error !== null} value={megabytes} onChange={(e) => setMegabytes(e.target.value)} />{' '}
            MB
          </label>
          <button type="submit" className="button small" disabled={saving}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button small" onClick={() => setOpen(false)} disabled={saving}>
            Cancel
          </button>
          <span className="retention-help dim">A smaller setting removes what it no longer keeps at once.</span>
          {error !== null && (
            <span className="retention-error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </span>
  );
}
