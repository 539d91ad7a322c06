// The toolbar's search field, as the Connections filter and the Alerts search both use it: a fixed
// width (the count beside it may change, the box does not move), Escape clears it and then leaves it,
// Ctrl+F reaches it (the shell's shortcut focuses the box of the view on screen).
import type { RefObject } from 'react';

export interface SearchBoxProps {
  inputRef: RefObject<HTMLInputElement | null>;
  label: string;
  placeholder: string;
  value: string;
  onChange: (value: string) => void;
  title?: string;
  className?: string;
}

export function SearchBox({ inputRef, label, placeholder, value, onChange, title, className = '' }: SearchBoxProps) {
  return (
    <div className={`filter-box${className ? ` ${className}` : ''}`}>
      <span className="filter-icon" aria-hidden="true">
        ⌕
      </span>
      <input
        ref={inputRef}
        type="search"
        aria-label={label}
        placeholder={placeholder}
        value={value}
        spellCheck={false}
        autoComplete="off"
        title={title}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.preventDefault();
            if (value !== '') onChange('');
            else e.currentTarget.blur();
          }
        }}
      />
      <kbd className="filter-kbd" aria-hidden="true">
        Ctrl F
      </kbd>
    </div>
  );
}
